import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signWebhook } from '../../../apps/hub/src/webhooks/standard-webhooks';

export const SHOP_KEY = randomBytes(32);
export const SHOP_SECRET = `whsec_${SHOP_KEY.toString('base64')}`;

/** Writes a webhook configuration for source `shop` into `dir` and returns its path. */
export function writeShopWebhookConfig(dir: string, mapping: Record<string, unknown> = {}): string {
  const file = join(dir, 'webhooks.json');
  const config = {
    sources: {
      shop: {
        secretEnv: 'SHOP_WEBHOOK_SECRET',
        mappings: [
          {
            when: { path: '$.type', equals: 'order.placed' },
            type: 'order.created',
            subject: { type: 'order', id: '$.data.orderNumber' },
            occurredAt: '$.data.placedAt',
            data: { customerId: '$.data.customer', status: 'OPEN', total: { amount: '$.data.total', currency: '$.data.currency' } },
            ...mapping,
          },
        ],
      },
    },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export function anOrderPlaced(orderNumber = 'SO-77', total: unknown = 99.5): string {
  return JSON.stringify({ type: 'order.placed', data: { orderNumber, placedAt: '2026-11-21T10:00:00Z', customer: 'C-7', total, currency: 'EUR' } });
}

/** Standard Webhooks headers for `body`, signed with `key` (several keys: several signatures). */
export function signedHeaders(id: string, body: string, timestampSeconds: number, keys: readonly Buffer[] = [SHOP_KEY]): Record<string, string> {
  const timestamp = String(timestampSeconds);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': keys.map((key) => signWebhook(key, id, timestamp, body)).join(' '),
  };
}
