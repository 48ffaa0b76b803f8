import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks: reject deliveries whose timestamp is further than this from the hub's clock. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = 'whsec_';
/** Printable, and never a CR/LF: the id becomes an event id that is echoed in headers and logs. */
const WEBHOOK_ID = /^[\x21-\x7e]{1,150}$/;

export interface WebhookHeaders {
  readonly id?: string;
  readonly timestamp?: string;
  readonly signature?: string;
}

export type WebhookVerdict =
  | { readonly ok: true; readonly webhookId: string; readonly secretIndex: number }
  | { readonly ok: false; readonly reason: 'bad-signature' | 'stale-webhook'; readonly message: string };

/** `whsec_<base64>` → the HMAC key bytes. */
export function parseWebhookSecret(text: string): Buffer {
  const body = text.startsWith(SECRET_PREFIX) ? text.slice(SECRET_PREFIX.length) : '';
  const key = Buffer.from(body, 'base64');
  if (!body || key.length < 16 || key.toString('base64').replace(/=+$/, '') !== body.replace(/=+$/, '')) {
    throw new Error('a webhook secret must look like whsec_<base64 of at least 16 bytes>');
  }
  return key;
}

/** `v1,<base64>` of HMAC-SHA256(key, `${id}.${timestamp}.${body}`). */
export function signWebhook(key: Buffer, id: string, timestamp: string, body: Buffer | string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/**
 * Verifies a Standard Webhooks delivery. Every `v1,` signature in the header is
 * compared (constant time) with every configured secret, so a sender and the
 * hub can rotate secrets without a gap. `nowSeconds` is undefined on replay,
 * where freshness no longer applies (an admin decided to replay the stored
 * delivery) but the signature must still be right.
 */
export function verifyWebhook(headers: WebhookHeaders, body: Buffer, keys: readonly Buffer[], nowSeconds: number | undefined): WebhookVerdict {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    const missing = [!id && 'webhook-id', !timestamp && 'webhook-timestamp', !signature && 'webhook-signature'].filter(Boolean);
    return { ok: false, reason: 'bad-signature', message: `missing header ${missing.join(', ')}` };
  }
  if (!WEBHOOK_ID.test(id)) return { ok: false, reason: 'bad-signature', message: 'webhook-id must be 1..150 printable ASCII characters' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-signature', message: 'webhook-timestamp must be whole seconds since the epoch' };
  const offered = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'))
    .filter((mac) => mac.length === 32);
  if (offered.length === 0) return { ok: false, reason: 'bad-signature', message: 'webhook-signature holds no v1 signature' };
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  const secretIndex = keys.findIndex((key) => {
    const expected = createHmac('sha256', key).update(signed).digest();
    // Every offered signature is compared, so timing does not tell which one matched.
    return offered.map((mac) => timingSafeEqual(mac, expected)).includes(true);
  });
  if (secretIndex < 0) return { ok: false, reason: 'bad-signature', message: 'no webhook-signature matches a secret configured for this source' };
  if (nowSeconds !== undefined && Math.abs(nowSeconds - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'stale-webhook', message: `webhook-timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS} s away from the hub's clock` };
  }
  return { ok: true, webhookId: id, secretIndex };
}
