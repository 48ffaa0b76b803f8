import { chainHash, EVENT_STORE, GENESIS_HASH, type EventStore, type SqliteEventStore } from '@concord/event-store';
import { orderCreated, startHub, statusChanged, type HubUnderTest } from './support/hub';

/** The one result of a single-event POST, asserting the request itself was answered 200. */
async function publishOne(hub: HubUnderTest, event: unknown, headers?: Record<string, string>) {
  const response = await hub.post('/v1/events', event, headers);
  expect(response.status).toBe(200);
  expect(response.body.results).toHaveLength(1);
  return response.body.results[0];
}

function fieldsOf(result: { errors?: Array<{ field: string }> }): string[] {
  return (result.errors ?? []).map((e) => e.field);
}

describe('POST /v1/events (through the real Fastify app)', () => {
  let hub: HubUnderTest;

  beforeEach(async () => {
    hub = await startHub();
  });

  afterEach(async () => {
    await hub.destroy();
  });

  describe('accepting events', () => {
    it('appends one event and answers with its position, stream and revision', async () => {
      const response = await hub.post('/v1/events', orderCreated('erp-evt-1'), { 'x-request-id': 'req-one' });
      expect(response.status).toBe(200);
      expect(response.headers['x-request-id']).toBe('req-one');
      expect(response.body).toEqual({
        results: [{ index: 0, id: 'erp-evt-1', status: 'appended', position: 1, stream: 'order-SO-1001', revision: 0 }],
      });

      const stored = await hub.get('/v1/events/erp-evt-1');
      expect(stored.status).toBe(200);
      expect(stored.body.receivedCount).toBe(1);
      expect(stored.body.duplicates).toEqual([]);
      const event = stored.body.event;
      expect(event).toMatchObject({
        ...orderCreated('erp-evt-1'),
        schemaVersion: 1,
        position: 1,
        stream: 'order-SO-1001',
        revision: 0,
        recordedAt: '2026-11-21T10:00:00.000Z',
        transport: { kind: 'http', requestId: 'req-one' },
        prevHash: GENESIS_HASH,
      });
      expect(event.hash).toBe(chainHash(GENESIS_HASH, event));
    });

    it('appends a batch in input order, numbering streams and the global log', async () => {
      const response = await hub.post('/v1/events', {
        events: [
          orderCreated('b-1'),
          statusChanged('b-2', 'SO-1001', 'SHIPPED'),
          orderCreated('b-3', { subject: { type: 'order', id: 'SO-2' } }),
          statusChanged('b-4', 'SO-1001', 'DONE'),
        ],
      });
      expect(response.status).toBe(200);
      expect(response.body.results.map((r: { id: string; position: number; stream: string; revision: number }) => [r.id, r.position, r.stream, r.revision])).toEqual([
        ['b-1', 1, 'order-SO-1001', 0],
        ['b-2', 2, 'order-SO-1001', 1],
        ['b-3', 3, 'order-SO-2', 0],
        ['b-4', 4, 'order-SO-1001', 2],
      ]);
      const stream = await hub.get('/v1/streams/order-SO-1001');
      const events = stream.body.events as Array<{ id: string; hash: string; prevHash: string }>;
      expect(events.map((e) => e.id)).toEqual(['b-1', 'b-2', 'b-4']);
      expect(events[1]!.prevHash).toBe(events[0]!.hash);
      expect(events[2]!.prevHash).toBe(events[1]!.hash);
    });

    it('stores the valid events of a batch and reports each invalid one, in input order', async () => {
      const response = await hub.post('/v1/events', {
        events: [
          orderCreated('p-1'),
          orderCreated('p-2', { data: { customerId: 'C-1', status: 'OPEN', total: { amount: '12', currency: 'EUR' } } }),
          42,
          orderCreated('p-4', { subject: { type: 'order', id: 'SO-9' } }),
          { id: 'p-5', source: 'erp' },
        ],
      });
      expect(response.status).toBe(200);
      const results = response.body.results as Array<Record<string, unknown>>;
      expect(results.map((r) => [r.index, r.status, r.reason])).toEqual([
        [0, 'appended', undefined],
        [1, 'rejected', 'contract-violation'],
        [2, 'rejected', 'not-an-object'],
        [3, 'appended', undefined],
        [4, 'rejected', 'invalid-envelope'],
      ]);
      expect(results[0]).toMatchObject({ position: 1 });
      expect(results[3]).toMatchObject({ position: 2, stream: 'order-SO-9' });
      expect(results[1]).toMatchObject({ id: 'p-2', quarantineId: expect.stringMatching(/^q-/) });
      expect(results[2]).not.toHaveProperty('id');
      expect((await hub.get('/v1/events/p-4')).status).toBe(200);
      expect((await hub.get('/v1/events/p-2')).status).toBe(404);
      const quarantined = await hub.get('/v1/quarantine');
      expect(quarantined.body.items).toHaveLength(3);
      const raw = (await hub.get(`/v1/quarantine/${results[2]!.quarantineId as string}`)).body.raw;
      expect(raw).toBe('42');
    });
  });

  describe('idempotency', () => {
    it('answers a repeated event as a duplicate at its original position and keeps the receipt', async () => {
      const first = await publishOne(hub, orderCreated('dup-1'), { 'x-request-id': 'first-try' });
      hub.clock.advance(5_000);
      const again = await publishOne(hub, orderCreated('dup-1'), { 'x-request-id': 'retry' });
      expect(again).toEqual({ ...first, status: 'duplicate' });

      const stored = await hub.get('/v1/events/dup-1');
      expect(stored.body.receivedCount).toBe(2);
      // The key that sent it is recorded by id (never the key itself).
      expect(stored.body.event.transport).toEqual({ kind: 'http', requestId: 'first-try', credential: expect.stringMatching(/^key-/) });
      expect(stored.body.duplicates).toEqual([
        { receivedAt: '2026-11-21T10:00:05.000Z', transport: { kind: 'http', requestId: 'retry', credential: expect.stringMatching(/^key-/) } },
      ]);
      expect((await hub.get('/v1/streams/order-SO-1001')).body.events).toHaveLength(1);
    });

    it('treats key order and default fields as the same content', async () => {
      const event = orderCreated('same-1');
      await publishOne(hub, event);
      const reordered = Object.fromEntries(Object.entries({ ...event, schemaVersion: 1 }).reverse());
      expect((await publishOne(hub, reordered)).status).toBe('duplicate');
    });

    it('refuses the same id with different content and quarantines the new content', async () => {
      const first = await publishOne(hub, orderCreated('reused'));
      const changed = orderCreated('reused', { data: { customerId: 'C-42', status: 'CANCELLED', total: { amount: 120.5, currency: 'EUR' } } });
      const result = await publishOne(hub, changed);
      expect(result).toMatchObject({ index: 0, id: 'reused', status: 'rejected', reason: 'id-reused-with-different-content' });
      expect(result.message).toContain(`position ${first.position}`);
      expect(fieldsOf(result)).toEqual(['id']);

      const entry = await hub.get(`/v1/quarantine/${result.quarantineId}`);
      expect(entry.body).toMatchObject({ reason: 'id-reused-with-different-content', eventId: 'reused', source: 'erp', attempts: 1 });
      expect(JSON.parse(entry.body.raw)).toEqual(changed);
      const stored = await hub.get('/v1/events/reused');
      expect(stored.body.event.data.status).toBe('OPEN');
      expect(stored.body.receivedCount).toBe(1);
    });

    it('within one batch, a repeated event is appended once', async () => {
      const response = await hub.post('/v1/events', { events: [orderCreated('twice'), orderCreated('twice')] });
      expect(response.body.results.map((r: { status: string; position: number }) => [r.status, r.position])).toEqual([
        ['appended', 1],
        ['duplicate', 1],
      ]);
    });
  });

  describe('bodies that cannot be answered item by item', () => {
    async function expectRefusedBody(response: Awaited<ReturnType<HubUnderTest['post']>>, status: number, reason: string) {
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ statusCode: status, reason, quarantineId: expect.stringMatching(/^q-/) });
      const entry = await hub.get(`/v1/quarantine/${response.body.quarantineId as string}`);
      expect(entry.body.reason).toBe(reason);
      return entry.body as { raw: string; message: string };
    }

    it('malformed JSON → 400, quarantined with the exact text', async () => {
      const text = '{"id":"x", "source": ';
      const entry = await expectRefusedBody(await hub.postRaw('/v1/events', text, { 'content-type': 'application/json' }), 400, 'malformed-json');
      expect(entry.raw).toBe(text);
      expect(entry.message).toMatch(/not JSON/);
    });

    it('an empty JSON body → 400', async () => {
      await expectRefusedBody(await hub.postRaw('/v1/events', '  ', { 'content-type': 'application/json' }), 400, 'malformed-json');
    });

    it.each([
      ['an array', '[{"id":"a"}]'],
      ['a string', '"hello"'],
      ['a number', '42'],
      ['null', 'null'],
      ['a boolean', 'true'],
    ])('a body that is %s → 400, quarantined as sent', async (_name, text) => {
      const entry = await expectRefusedBody(await hub.postRaw('/v1/events', text, { 'content-type': 'application/json' }), 400, 'not-an-object');
      expect(entry.raw).toBe(text);
    });

    it('invalid UTF-8 → 400, kept base64-encoded, never repaired', async () => {
      const bytes = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
      const entry = await expectRefusedBody(await hub.postRaw('/v1/events', bytes, { 'content-type': 'application/json' }), 400, 'malformed-json');
      expect(Buffer.from(entry.raw, 'base64')).toEqual(bytes);
      expect(entry.message).toMatch(/UTF-8/);
    });

    it.each([
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'id=1'],
      ['application/xml', '<event/>'],
    ])('content-type %s → 415, quarantined', async (contentType, text) => {
      const entry = await expectRefusedBody(await hub.postRaw('/v1/events', text, { 'content-type': contentType }), 415, 'unsupported-media-type');
      expect(entry.raw).toBe(text);
      expect(entry.message).toContain(contentType);
    });

    it('a body over 1 MiB → 413 and nothing stored', async () => {
      const filler = 'x'.repeat(1024 * 1024);
      const response = await hub.post('/v1/events', orderCreated('big', { data: { customerId: filler, status: 'OPEN', total: { amount: 1, currency: 'EUR' } } }));
      expect(response.status).toBe(413);
      expect((await hub.get('/v1/events/big')).status).toBe(404);
    });

    it('a body of exactly 1 MiB is read (and judged item by item)', async () => {
      const base = JSON.stringify(orderCreated('edge', { data: { customerId: '', status: 'OPEN', total: { amount: 1, currency: 'EUR' } } }));
      const padded = base.replace('"customerId":""', `"customerId":"${'y'.repeat(1024 * 1024 - base.length)}"`);
      expect(Buffer.byteLength(padded)).toBe(1024 * 1024);
      const response = await hub.postRaw('/v1/events', padded, { 'content-type': 'application/json' });
      expect(response.status).toBe(200);
      expect(response.body.results[0]).toMatchObject({ status: 'rejected', reason: 'contract-violation' });
      expect(fieldsOf(response.body.results[0])).toEqual(['data.customerId']);
    });

    it.each([
      ['an empty batch', { events: [] }, 400, /at least one/],
      ['"events" that is not an array', { events: { id: 'x' } }, 400, /must be an array/],
      ['a batch with other keys', { events: [orderCreated('x')], meta: 1 }, 400, /unexpected: meta/],
    ])('%s → %s', async (_name, body, status, message) => {
      const response = await hub.post('/v1/events', body);
      expect(response.status).toBe(status);
      expect(response.body.message).toMatch(message);
      expect(response.body.reason).toBe('invalid-batch');
      expect((await hub.get(`/v1/quarantine/${response.body.quarantineId as string}`)).body.raw).toBe(JSON.stringify(body));
      expect((await hub.get('/v1/events/x')).status).toBe(404);
    });

    it('more than 1,000 events → 413, and 1,000 are accepted', async () => {
      const tooMany = Array.from({ length: 1001 }, (_, i) => statusChanged(`m-${i}`, 'SO-1', 'OPEN'));
      const refused = await hub.post('/v1/events', { events: tooMany });
      expect(refused.status).toBe(413);
      expect(refused.body).toMatchObject({ reason: 'invalid-batch', message: expect.stringMatching(/at most 1000/) });
      expect((await hub.get('/health')).body.headPosition).toBe(0);

      const accepted = await hub.post('/v1/events', { events: tooMany.slice(0, 1000) });
      expect(accepted.status).toBe(200);
      expect(accepted.body.results.filter((r: { status: string }) => r.status === 'appended')).toHaveLength(1000);
      expect((await hub.get('/health')).body.headPosition).toBe(1000);
    });

    it('10,000 levels of nesting → 400, and the hub keeps serving', async () => {
      const deep = `{"id":"deep","source":"erp","data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
      const entry = await expectRefusedBody(await hub.postRaw('/v1/events', deep, { 'content-type': 'application/json' }), 400, 'unsafe-json');
      expect(entry.raw).toBe(deep);
      const deepArray = `{"events":[${'['.repeat(10_000)}${']'.repeat(10_000)}]}`;
      await expectRefusedBody(await hub.postRaw('/v1/events', deepArray, { 'content-type': 'application/json' }), 400, 'unsafe-json');
      const widest = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
      await expectRefusedBody(await hub.postRaw('/v1/events', widest, { 'content-type': 'application/json' }), 400, 'unsafe-json');

      expect((await hub.get('/health')).status).toBe(200);
      expect((await publishOne(hub, orderCreated('after-deep'))).status).toBe('appended');
    });
  });

  describe('events refused one by one (200 with a reason naming the field)', () => {
    const money = { amount: 120.5, currency: 'EUR' };

    it.each([
      ['__proto__ at the top level', '{"__proto__":{"polluted":true},"id":"k1"}', '__proto__'],
      ['constructor at the top level', '{"constructor":{"prototype":{"polluted":true}},"id":"k2"}', 'constructor'],
      ['__proto__ in data', `{"id":"k3","data":{"__proto__":{"polluted":true}}}`, 'data.__proto__'],
      ['prototype nested in data', `{"id":"k4","data":{"total":{"prototype":1}}}`, 'data.total.prototype'],
      ['constructor inside an array', `{"id":"k5","data":{"lines":[{"ok":1},{"constructor":1}]}}`, 'data.lines[1].constructor'],
    ])('%s is refused as unsafe-json', async (_name, text, field) => {
      const response = await hub.postRaw('/v1/events', text, { 'content-type': 'application/json' });
      expect(response.status).toBe(200);
      const [result] = response.body.results;
      expect(result).toMatchObject({ status: 'rejected', reason: 'unsafe-json' });
      expect(fieldsOf(result)).toEqual([field]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const entry = await hub.get(`/v1/quarantine/${result.quarantineId as string}`);
      expect(entry.body.raw).toContain(field.split('.').pop()!.replace(/\[\d+\]/, ''));
    });

    it('a forbidden key in one batch item refuses only that item', async () => {
      const text = `{"events":[${JSON.stringify(orderCreated('ok-1'))},{"id":"bad","__proto__":{"x":1}},${JSON.stringify(orderCreated('ok-2'))}]}`;
      const response = await hub.postRaw('/v1/events', text, { 'content-type': 'application/json' });
      expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['appended', 'rejected', 'appended']);
      expect(response.body.results[1]).toMatchObject({ id: 'bad', reason: 'unsafe-json' });
    });

    it('data nested deeper than an event may be is refused per item (the body as a whole a little deeper)', async () => {
      const nest = (levels: number): unknown => {
        let nested: unknown = 1;
        for (let i = 0; i < levels; i++) nested = { n: nested };
        return nested;
      };
      const result = await publishOne(hub, orderCreated('deep-item', { data: nest(32) }));
      expect(result).toMatchObject({ status: 'rejected', reason: 'unsafe-json' });
      expect(fieldsOf(result)[0]).toMatch(/^data(\.n)+$/);
      expect((await publishOne(hub, orderCreated('deep-ok', { data: { ...(orderCreated('x').data as object), total: { amount: 1, currency: 'EUR' } } }))).status).toBe('appended');
      const whole = await hub.post('/v1/events', orderCreated('deeper', { data: nest(40) }));
      expect(whole.status).toBe(400);
      expect(whole.body.reason).toBe('unsafe-json');
    });

    it.each([
      ['an unknown type', { type: 'order.teleported' }, 'unknown-type', ['type']],
      ['an unknown schemaVersion', { schemaVersion: 2 }, 'unknown-schema-version', ['schemaVersion']],
      ['a subject of another entity type', { subject: { type: 'customer', id: 'C-1' } }, 'subject-type-mismatch', ['subject.type']],
      ['a string amount', { data: { customerId: 'C-1', status: 'OPEN', total: { amount: '12', currency: 'EUR' } } }, 'contract-violation', ['data.total.amount']],
      ['a numeric status', { data: { customerId: 'C-1', status: 7, total: money } }, 'contract-violation', ['data.status']],
      ['a missing data field', { data: { status: 'OPEN', total: money } }, 'contract-violation', ['data.customerId']],
      ['a missing nested object', { data: { customerId: 'C-1', status: 'OPEN' } }, 'contract-violation', ['data.total']],
      ['a bad currency', { data: { customerId: 'C-1', status: 'OPEN', total: { amount: 1, currency: 'euro' } } }, 'contract-violation', ['data.total.currency']],
      ['an unknown field in data', { data: { customerId: 'C-1', status: 'OPEN', total: money, discount: 5 } }, 'contract-violation', ['data.discount']],
      ['an unknown nested field in data', { data: { customerId: 'C-1', status: 'OPEN', total: { ...money, tax: 1 } } }, 'contract-violation', ['data.total.tax']],
      ['an unknown envelope field', { colour: 'red' }, 'invalid-envelope', ['colour']],
      ['an unknown subject field', { subject: { type: 'order', id: 'SO-1', extra: 1 } }, 'invalid-envelope', ['subject.extra']],
      ['an impossible date', { occurredAt: '2026-02-30T00:00:00Z' }, 'invalid-envelope', ['occurredAt']],
      ['a date without a zone', { occurredAt: '2026-11-21T10:00:00' }, 'invalid-envelope', ['occurredAt']],
      ['a date that is only a day', { occurredAt: '2026-11-21' }, 'invalid-envelope', ['occurredAt']],
      ['a date that is not a string', { occurredAt: 1763719200000 }, 'invalid-envelope', ['occurredAt']],
      ['an hour 24', { occurredAt: '2026-11-21T24:30:00Z' }, 'invalid-envelope', ['occurredAt']],
      ['an id with CR/LF', { id: 'evt\r\nSet-Cookie: x=1' }, 'invalid-envelope', ['id']],
      ['an id over 200 characters', { id: 'i'.repeat(201) }, 'invalid-envelope', ['id']],
      ['an empty id', { id: '' }, 'invalid-envelope', ['id']],
      ['a numeric id', { id: 123 }, 'invalid-envelope', ['id']],
      ['a subject id with a line feed', { subject: { type: 'order', id: 'SO\n1' } }, 'invalid-envelope', ['subject.id']],
      ['a subject type with a hyphen', { subject: { type: 'sales-order', id: 'SO-1' } }, 'invalid-envelope', ['subject.type']],
      ['an upper-case source', { source: 'ERP' }, 'invalid-envelope', ['source']],
      ['a fractional sourceSequence', { sourceSequence: 1.5 }, 'invalid-envelope', ['sourceSequence']],
      ['a negative sourceSequence', { sourceSequence: -1 }, 'invalid-envelope', ['sourceSequence']],
      ['a correlationId with a NUL', { correlationId: 'a\u0000b' }, 'invalid-envelope', ['correlationId']],
      ['an actor without id', { actor: { type: 'user' } }, 'invalid-envelope', ['actor.id']],
      ['data that is an array', { data: [] }, 'invalid-envelope', ['data']],
      ['data that is missing', { data: undefined }, 'invalid-envelope', ['data']],
      ['a subject that is a string', { subject: 'order-1' }, 'invalid-envelope', ['subject']],
    ])('%s → %s naming %j', async (_name, overrides, reason, fields) => {
      const result = await publishOne(hub, orderCreated('bad-1', overrides));
      expect(result).toMatchObject({ index: 0, status: 'rejected', reason });
      expect(fieldsOf(result)).toEqual(expect.arrayContaining(fields));
      expect(result.message).toContain(fields[0]);
      expect((await hub.get('/v1/events/bad-1')).status).toBe(404);
      const entry = await hub.get(`/v1/quarantine/${result.quarantineId as string}`);
      expect(entry.body).toMatchObject({ reason, status: 'open', attempts: 1 });
    });

    it('a missing required envelope field is named', async () => {
      const { source: _source, ...withoutSource } = orderCreated('no-source');
      const result = await publishOne(hub, withoutSource);
      expect(result).toMatchObject({ reason: 'invalid-envelope' });
      expect(fieldsOf(result)).toContain('source');
    });

    it('an id of exactly 200 printable characters is accepted', async () => {
      expect((await publishOne(hub, orderCreated('é'.repeat(200)))).status).toBe('appended');
    });

    it('an impossible due date in data is named', async () => {
      const result = await publishOne(hub, {
        id: 'inv-1',
        source: 'billing',
        type: 'invoice.issued',
        subject: { type: 'invoice', id: 'INV-1' },
        occurredAt: '2026-11-21T10:00:00+01:00',
        data: { orderId: 'SO-1', amount: 10, currency: 'EUR', dueDate: '2026-02-30' },
      });
      expect(result).toMatchObject({ reason: 'contract-violation' });
      expect(fieldsOf(result)).toEqual(['data.dueDate']);
    });

    it('every example contract accepts a realistic event', async () => {
      const response = await hub.post('/v1/events', {
        events: [
          orderCreated('ex-1', { sourceSequence: 1, correlationId: 'flow-7', actor: { type: 'user', id: 'alice' } }),
          statusChanged('ex-2', 'SO-1001', 'SHIPPED', { sourceSequence: 2, causationId: 'ex-1', data: { status: 'SHIPPED', reason: 'picked' } }),
          { id: 'ex-3', source: 'crm', type: 'customer.upserted', subject: { type: 'customer', id: 'C-42' }, occurredAt: '2026-11-21T10:00:00.123Z', data: { name: 'Ada', email: 'ada@example.com', country: 'GB' } },
          { id: 'ex-4', source: 'billing', type: 'invoice.issued', subject: { type: 'invoice', id: 'INV-1' }, occurredAt: '2026-11-21T10:00:00-05:00', data: { orderId: 'SO-1001', amount: 120.5, currency: 'EUR', dueDate: '2026-12-21' } },
          { id: 'ex-5', source: 'billing', type: 'payment.received', subject: { type: 'payment', id: 'PAY-1' }, occurredAt: '2026-11-22T10:00:00Z', data: { invoiceId: 'INV-1', amount: 120.5, currency: 'EUR' } },
        ],
      });
      expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(Array(5).fill('appended'));
    });
  });

  describe('quarantine', () => {
    async function refuse(id: string, source: string, overrides: Record<string, unknown> = {}) {
      return publishOne(hub, orderCreated(id, { source, type: 'order.unknown', ...overrides }));
    }

    it('counts attempts when the same bad input is sent again', async () => {
      const bad = orderCreated('again', { type: 'nope.nope' });
      const first = await publishOne(hub, bad);
      hub.clock.advance(60_000);
      await publishOne(hub, bad);
      hub.clock.advance(60_000);
      const third = await publishOne(hub, bad);
      expect(third.quarantineId).toBe(first.quarantineId);
      const entry = await hub.get(`/v1/quarantine/${first.quarantineId as string}`);
      expect(entry.body).toMatchObject({ attempts: 3, firstSeenAt: '2026-11-21T10:00:00.000Z', lastSeenAt: '2026-11-21T10:02:00.000Z' });
      expect((await hub.get('/v1/quarantine')).body.items).toHaveLength(1);

      const malformed = '{"broken":';
      const a = await hub.postRaw('/v1/events', malformed, { 'content-type': 'application/json' });
      const b = await hub.postRaw('/v1/events', malformed, { 'content-type': 'application/json' });
      expect(b.body.quarantineId).toBe(a.body.quarantineId);
      expect((await hub.get(`/v1/quarantine/${a.body.quarantineId as string}`)).body.attempts).toBe(2);
    });

    it('lists newest first with filters', async () => {
      await refuse('q-1', 'erp');
      hub.clock.advance(1000);
      await refuse('q-2', 'crm');
      hub.clock.advance(1000);
      await refuse('q-3', 'erp');
      await publishOne(hub, orderCreated('q-4', { occurredAt: 'yesterday' }));

      const all = await hub.get('/v1/quarantine');
      expect(all.body.items.map((e: { eventId: string }) => e.eventId)).toEqual(['q-4', 'q-3', 'q-2', 'q-1']);
      expect(all.body.nextCursor).toBeUndefined();
      const erp = await hub.get('/v1/quarantine?source=erp&reason=unknown-type');
      expect(erp.body.items.map((e: { eventId: string }) => e.eventId)).toEqual(['q-3', 'q-1']);
      expect((await hub.get('/v1/quarantine?reason=invalid-envelope')).body.items.map((e: { eventId: string }) => e.eventId)).toEqual(['q-4']);
      expect((await hub.get('/v1/quarantine?eventId=q-2')).body.items).toHaveLength(1);
      expect((await hub.get('/v1/quarantine?since=2026-11-21T10:00:01Z')).body.items).toHaveLength(3);
      expect((await hub.get('/v1/quarantine?since=2026-11-21T11:00:01%2B01:00')).body.items).toHaveLength(3);
      expect((await hub.get('/v1/quarantine?status=resolved')).body.items).toEqual([]);
      // A source is a [a-z0-9-] name: anything else is refused before it reaches a query.
      expect((await hub.get("/v1/quarantine?source=erp' OR '1'='1")).status).toBe(400);
    });

    it('pages with a cursor, each item exactly once', async () => {
      for (let i = 0; i < 7; i++) await refuse(`page-${i}`, 'erp');
      const seen: string[] = [];
      let url = '/v1/quarantine?limit=3';
      for (let pages = 0; pages < 10; pages++) {
        const page = await hub.get(url);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.body.items.map((e: { eventId: string }) => e.eventId));
        if (!page.body.nextCursor) break;
        url = `/v1/quarantine?limit=3&cursor=${encodeURIComponent(page.body.nextCursor as string)}`;
      }
      expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    });

    it.each([
      ['a cursor it did not issue', 'cursor=bm9wZQ'],
      ['a cursor with SQL in it', `cursor=${Buffer.from("q:1 OR 1=1").toString('base64url')}`],
      ['limit 0', 'limit=0'],
      ['limit over 500', 'limit=501'],
      ['a limit that is not a number', 'limit=ten'],
      ['a since that is not a date', 'since=yesterday'],
      ['an unknown status', 'status=closed'],
      ['an unknown filter', 'colour=red'],
    ])('refuses %s with 400', async (_name, query) => {
      const response = await hub.get(`/v1/quarantine?${query}`);
      expect(response.status).toBe(400);
    });

    it('answers 404 for an unknown entry', async () => {
      expect((await hub.get('/v1/quarantine/q-nope')).status).toBe(404);
    });
  });

  describe('reading', () => {
    it('pages through a stream by revision', async () => {
      await hub.post('/v1/events', { events: Array.from({ length: 5 }, (_, i) => statusChanged(`s-${i}`, 'SO-7', `S${i}`)) });
      const first = await hub.get('/v1/streams/order-SO-7?limit=2');
      expect(first.body.events.map((e: { revision: number }) => e.revision)).toEqual([0, 1]);
      expect(first.body.nextRevision).toBe(2);
      const second = await hub.get(`/v1/streams/order-SO-7?limit=2&fromRevision=${first.body.nextRevision as number}`);
      expect(second.body.events.map((e: { id: string }) => e.id)).toEqual(['s-2', 's-3']);
      const last = await hub.get('/v1/streams/order-SO-7?limit=2&fromRevision=4');
      expect(last.body.events.map((e: { id: string }) => e.id)).toEqual(['s-4']);
      expect(last.body).not.toHaveProperty('nextRevision');
      const past = await hub.get('/v1/streams/order-SO-7?fromRevision=9');
      expect(past.status).toBe(200);
      expect(past.body.events).toEqual([]);
    });

    it('answers 404 for an unknown stream or event and 400 for bad paging', async () => {
      expect((await hub.get('/v1/streams/order-none')).status).toBe(404);
      expect((await hub.get('/v1/events/none')).status).toBe(404);
      expect((await hub.get('/v1/streams/order-x?limit=0')).status).toBe(400);
      expect((await hub.get('/v1/streams/order-x?limit=501')).status).toBe(400);
      expect((await hub.get('/v1/streams/order-x?fromRevision=-1')).status).toBe(400);
      expect((await hub.get('/v1/events/x?view=raw')).status).toBe(400);
    });

    it('GET /health reports a writable store and the head position', async () => {
      await publishOne(hub, orderCreated('h-1'));
      const health = await hub.get('/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok', store: 'writable', headPosition: 1 });
    });

    it('serves an OpenAPI description with the envelope and every contract', async () => {
      const docs = await hub.get('/docs-json');
      expect(docs.status).toBe(200);
      const schemas = docs.body.components.schemas;
      expect(Object.keys(schemas.EventEnvelopeDto.properties)).toEqual(
        expect.arrayContaining(['id', 'source', 'type', 'schemaVersion', 'subject', 'occurredAt', 'sourceSequence', 'correlationId', 'causationId', 'actor', 'data']),
      );
      expect(schemas.EventEnvelopeDto.required).toEqual(expect.arrayContaining(['id', 'source', 'type', 'subject', 'occurredAt', 'data']));
      for (const name of ['order.created.v1', 'order.status-changed.v1', 'customer.upserted.v1', 'invoice.issued.v1', 'payment.received.v1']) {
        expect(schemas[name]).toMatchObject({ type: 'object', description: expect.any(String) });
      }
      expect(schemas['order.created.v1'].properties.total).toBeDefined();
      expect(docs.body.paths['/v1/events'].post).toBeDefined();
      expect(docs.body.paths['/v1/quarantine'].get).toBeDefined();
      expect((await hub.get('/docs')).status).toBe(200);
    });
  });

  describe('when the event log cannot write', () => {
    it('answers 503 while commits fail, acknowledges nothing, and recovers by itself', async () => {
      await publishOne(hub, orderCreated('ok-before'));
      // Every insert now fails inside the writer's transaction, as a full or failing disk would make it.
      const db = hub.app.get<SqliteEventStore>(EVENT_STORE).db;
      db.exec("CREATE TRIGGER simulated_failure BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END");

      const batch = await hub.post('/v1/events', { events: [statusChanged('f-1', 'SO-1001', 'A'), statusChanged('f-2', 'SO-1001', 'B'), { id: 'f-bad' }] });
      expect(batch.status).toBe(503);
      expect(batch.headers['retry-after']).toBe('5');
      expect(batch.body).toMatchObject({ statusCode: 503, message: expect.stringContaining('simulated I/O failure') });
      expect(batch.body).not.toHaveProperty('results');
      const single = await hub.post('/v1/events', statusChanged('f-3', 'SO-1001', 'C'));
      expect(single.status).toBe(503);
      // A duplicate writes a receipt only; it is still answered (the event was acknowledged long ago).
      expect((await publishOne(hub, orderCreated('ok-before'))).status).toBe('duplicate');

      db.exec('DROP TRIGGER simulated_failure');
      const retried = await hub.post('/v1/events', { events: [statusChanged('f-1', 'SO-1001', 'A'), statusChanged('f-2', 'SO-1001', 'B')] });
      expect(retried.body.results.map((r: { status: string; position: number; revision: number }) => [r.status, r.position, r.revision])).toEqual([
        ['appended', 2, 1],
        ['appended', 3, 2],
      ]);
      const stream = await hub.get('/v1/streams/order-SO-1001');
      expect(stream.body.events.map((e: { id: string }) => e.id)).toEqual(['ok-before', 'f-1', 'f-2']);
      expect(stream.body.events[1].prevHash).toBe(stream.body.events[0].hash);
    });


    it('answers 503 with Retry-After and acknowledges nothing', async () => {
      await publishOne(hub, orderCreated('before'));
      await hub.app.get<EventStore>(EVENT_STORE).close();

      const single = await hub.post('/v1/events', orderCreated('during-1'));
      expect(single.status).toBe(503);
      expect(single.headers['retry-after']).toBe('5');
      expect(single.body).not.toHaveProperty('results');

      const mixed = await hub.post('/v1/events', { events: [orderCreated('during-2'), { id: 'bad' }] });
      expect(mixed.status).toBe(503);
      expect(mixed.body).not.toHaveProperty('results');

      const onlyBad = await hub.post('/v1/events', { id: 'bad-only' });
      expect(onlyBad.status).toBe(503);
      expect(onlyBad.headers['retry-after']).toBe('5');

      const health = await hub.get('/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'unavailable', store: expect.stringMatching(/closed/) });

      await hub.close();
      const reopened = await startHub({ dataDir: hub.dataDir, clock: hub.clock });
      try {
        expect((await reopened.get('/v1/events/before')).status).toBe(200);
        expect((await reopened.get('/v1/events/during-1')).status).toBe(404);
        expect((await reopened.get('/v1/events/during-2')).status).toBe(404);
        expect((await reopened.get('/health')).body.headPosition).toBe(1);
        expect((await reopened.get('/v1/quarantine')).body.items).toEqual([]);
      } finally {
        await reopened.close();
      }
    });
  });
});
