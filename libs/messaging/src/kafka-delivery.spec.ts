import { toDelivery } from './kafka-delivery';

const at = (value: Buffer | null, key: Buffer | null = Buffer.from('order/SO-1')) => toDelivery('concord.events.erp', 2, { key, value, offset: '41' });

describe('toDelivery: a Kafka message as the ingest path receives it', () => {
  it('decodes a JSON envelope and records where it was read', () => {
    const delivery = at(Buffer.from('{"id":"e-1","data":{"n":1}}'));
    expect(delivery.transport).toEqual({ kind: 'kafka', topic: 'concord.events.erp', partition: 2, offset: '41' });
    expect(delivery.key).toBe('order/SO-1');
    expect(delivery.decoded).toEqual({ ok: true, document: { id: 'e-1', data: { n: 1 } }, text: '{"id":"e-1","data":{"n":1}}' });
  });

  it('refuses a value that is not JSON, keeping the text as received', () => {
    const delivery = at(Buffer.from('{"id": "e-1",'));
    expect(delivery.decoded).toMatchObject({ ok: false, reason: 'malformed-json', raw: '{"id": "e-1",' });
    if (!delivery.decoded.ok) expect(delivery.decoded.message).toMatch(/^the message value is not JSON/);
  });

  it('refuses invalid UTF-8 instead of repairing it, and keeps the bytes base64-encoded', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const delivery = at(bytes);
    expect(delivery.decoded).toEqual({ ok: false, reason: 'malformed-json', message: 'the message value is not valid UTF-8 (kept base64-encoded)', raw: bytes.toString('base64') });
  });

  it('refuses an empty value and a tombstone', () => {
    expect(at(Buffer.from('  ')).decoded).toMatchObject({ ok: false, reason: 'malformed-json', message: 'the message value is empty' });
    expect(at(null).decoded).toEqual({ ok: false, reason: 'malformed-json', message: 'the message has no value (a tombstone)', raw: '' });
  });

  it('refuses a document nested deeper than an event may be, before anything walks it', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(at(Buffer.from(deep)).decoded).toMatchObject({ ok: false, reason: 'unsafe-json', message: 'the message value nests deeper than 32 levels' });
  });

  it('leaves the verdict on a JSON value that is not an event to the ingest path', () => {
    expect(at(Buffer.from('[1,2]')).decoded).toMatchObject({ ok: true, document: [1, 2] });
    expect(at(Buffer.from('null')).decoded).toMatchObject({ ok: true, document: null });
  });

  it('reads a message without a key', () => {
    expect(at(Buffer.from('{}'), null).key).toBeUndefined();
  });
});
