import { randomBytes } from 'node:crypto';
import { parseWebhookSecret, signWebhook, verifyWebhook } from './standard-webhooks';

describe('Standard Webhooks verification', () => {
  const key = randomBytes(24);
  const rotated = randomBytes(24);
  const body = Buffer.from('{"type":"order.paid"}');
  const now = 1_800_000_000;
  const headers = (overrides: Record<string, string | undefined> = {}) => ({
    id: 'msg_1',
    timestamp: String(now),
    signature: signWebhook(key, 'msg_1', String(now), body),
    ...overrides,
  });

  it('given a correct signature within 5 minutes, then it is verified', () => {
    expect(verifyWebhook(headers(), body, [key], now + 299)).toEqual({ ok: true, webhookId: 'msg_1', secretIndex: 0 });
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the specification's example: secret, id, timestamp and payload give this exact signature.
    const secret = parseWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const signature = signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('accepts any of several signatures and any of several secrets (rotation)', () => {
    const both = `v1,${randomBytes(32).toString('base64')} ${signWebhook(rotated, 'msg_1', String(now), body)}`;
    expect(verifyWebhook(headers({ signature: both }), body, [key, rotated], now)).toMatchObject({ ok: true, secretIndex: 1 });
  });

  it.each([
    ['a changed body', headers(), Buffer.from('{"type":"order.refunded"}'), 'no webhook-signature matches'],
    ['a wrong secret', headers({ signature: signWebhook(rotated, 'msg_1', String(now), body) }), body, 'no webhook-signature matches'],
    ['a changed id', headers({ id: 'msg_2' }), body, 'no webhook-signature matches'],
    ['no signature header', headers({ signature: undefined }), body, 'missing header webhook-signature'],
    ['a v2 signature only', headers({ signature: `v2,${randomBytes(32).toString('base64')}` }), body, 'no v1 signature'],
    ['a CR/LF in the id', headers({ id: 'msg_1\r\nx-evil: 1' }), body, 'printable'],
    ['a non-numeric timestamp', headers({ timestamp: '2026-01-01' }), body, 'whole seconds'],
  ])('refuses %s', (_label, given, bytes, message) => {
    const verdict = verifyWebhook(given, bytes, [key], now);
    expect(verdict).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verdict.ok ? '' : verdict.message).toContain(message);
  });

  it('refuses a correctly signed delivery more than 5 minutes off, either way, but not on replay', () => {
    expect(verifyWebhook(headers(), body, [key], now + 301)).toMatchObject({ ok: false, reason: 'stale-webhook' });
    expect(verifyWebhook(headers(), body, [key], now - 301)).toMatchObject({ ok: false, reason: 'stale-webhook' });
    expect(verifyWebhook(headers(), body, [key], undefined)).toMatchObject({ ok: true });
  });

  it('parses whsec_ secrets and refuses anything else', () => {
    expect(parseWebhookSecret(`whsec_${key.toString('base64')}`)).toEqual(key);
    expect(() => parseWebhookSecret(key.toString('base64'))).toThrow(/whsec_/);
    expect(() => parseWebhookSecret('whsec_c2hvcnQ=')).toThrow(/at least 16 bytes/);
  });
});
