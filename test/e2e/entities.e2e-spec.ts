import { startTestHub, testReadModelBackends, type TestHub } from './support/test-hub';

function order(id: string, source: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    source,
    type: 'order.created',
    subject: { type: 'order', id: 'SO-1001' },
    occurredAt: '2026-11-21T09:00:00Z',
    data: { customerId: 'C-1', status, total: { amount: 120.5, currency: 'EUR' } },
    ...extra,
  };
}

describe.each(testReadModelBackends('entity views over HTTP'))('entity views over HTTP [read models: %s]', (readModels) => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await startTestHub({ readModels });
  });

  afterEach(() => hub.close());

  it('shows every source side by side and 404s an unknown entity', async () => {
    await hub.post('/v1/events', { events: [order('erp-1', 'erp', 'COMPLETED'), order('crm-1', 'crm', 'pending')] });
    await hub.settle();
    const { status, body } = await hub.get('/v1/entities/order/SO-1001');
    expect(status).toBe(200);
    expect(body.sources.erp.state.status).toBe('COMPLETED');
    expect(body.sources.crm.state.status).toBe('pending');
    expect(body).toMatchObject({ subject: { type: 'order', id: 'SO-1001' }, version: 2 });
    const missing = await hub.get('/v1/entities/order/SO-404');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('SO-404');
  });

  it('answers what the entity looked like at a past time or position', async () => {
    const first = await hub.post('/v1/events', order('erp-1', 'erp', 'OPEN'));
    const firstAt = hub.clock.now().toISOString();
    hub.clock.advance(60_000);
    await hub.post('/v1/events', { ...order('erp-2', 'erp', 'DONE'), type: 'order.status-changed', data: { status: 'DONE' } });
    await hub.settle();
    expect((await hub.get('/v1/entities/order/SO-1001')).body.state.status).toBe('DONE');
    expect((await hub.get(`/v1/entities/order/SO-1001?asOf=${firstAt}`)).body.state.status).toBe('OPEN');
    expect((await hub.get(`/v1/entities/order/SO-1001?atPosition=${first.body.results[0].position}`)).body.state.status).toBe('OPEN');
    expect((await hub.get('/v1/entities/order/SO-1001?asOf=2000-01-01T00:00:00Z')).status).toBe(404);
    expect((await hub.get('/v1/entities/order/SO-1001?asOf=yesterday')).status).toBe(400);
    expect((await hub.get('/v1/entities/order/SO-1001?atPosition=-1')).status).toBe(400);
    expect((await hub.get('/v1/entities/order/SO-1001?atPosition=1&asOf=2026-11-21T10:00:00Z')).status).toBe(400);
  });

  it('lists with field and source filters, stable cursor pages, and CSV', async () => {
    const events = Array.from({ length: 5 }, (_, i) => ({
      ...order(`erp-${i}`, i % 2 ? 'crm' : 'erp', i % 2 ? 'open' : 'done'),
      subject: { type: 'order', id: `SO-${i}` },
    }));
    await hub.post('/v1/events', { events });
    await hub.settle();
    const done = await hub.get('/v1/entities/order?field.status=done');
    expect(done.body.items.map((v: any) => v.subject.id)).toEqual(['SO-0', 'SO-2', 'SO-4']);
    const fromCrm = await hub.get('/v1/entities/order?source=crm');
    expect(fromCrm.body.items.map((v: any) => v.subject.id)).toEqual(['SO-1', 'SO-3']);
    const page1 = await hub.get('/v1/entities/order?limit=2');
    const page2 = await hub.get(`/v1/entities/order?limit=2&cursor=${page1.body.nextCursor}`);
    const page3 = await hub.get(`/v1/entities/order?limit=2&cursor=${page2.body.nextCursor}`);
    expect([...page1.body.items, ...page2.body.items, ...page3.body.items].map((v: any) => v.subject.id)).toEqual(['SO-0', 'SO-1', 'SO-2', 'SO-3', 'SO-4']);
    expect(page3.body.nextCursor).toBeUndefined();
    const csv = await hub.get('/v1/entities/order', { accept: 'text/csv' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('type,id,version,lastEventAt,sources,state.customerId,state.status,state.total.amount,state.total.currency');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^order,SO-0,1,.*,erp,C-1,done,120.5,EUR$/);
  });

  it('refuses bad list parameters with a reason', async () => {
    for (const query of ['limit=0', 'limit=100000', 'limit=abc', 'sort=name', 'cursor=garbage', 'field.a..b=1', "field.x')--=1", 'nope=1', 'source=ERP!', 'updatedSince=soon', 'format=xml']) {
      const response = await hub.get(`/v1/entities/order?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(typeof response.body.message).toBe('string');
    }
    expect((await hub.get('/v1/entities/Order-X')).status).toBe(400);
    // Text no store can hold (PostgreSQL refuses U+0000 outright): a clear 400 from both backends, not a 500 from one.
    const nul = await hub.get(`/v1/entities/order?field.status=${encodeURIComponent('a\u0000b')}`);
    expect({ status: nul.status, message: nul.body.message }).toEqual({ status: 400, message: 'value for state.status holds U+0000 or an unpaired surrogate' });
    const sqlish = await hub.get(`/v1/entities/order?field.status=${encodeURIComponent("' OR 1=1 --")}`);
    expect(sqlish.status).toBe(200);
    expect(sqlish.body.items).toEqual([]);
  });

  it('shows per-source sync status including quarantined reports', async () => {
    await hub.post('/v1/events', order('erp-1', 'erp', 'OPEN'));
    await hub.post('/v1/events', { ...order('crm-bad', 'crm', 'open'), data: { status: 'open' } });
    await hub.settle();
    const { body } = await hub.get('/v1/entities/order/SO-1001/sync');
    expect(body.sources).toEqual([
      expect.objectContaining({ source: 'crm', events: 0, quarantined: 1 }),
      expect.objectContaining({ source: 'erp', lastEventId: 'erp-1', events: 1, quarantined: 0 }),
    ]);
  });

  it('lists projection status and rebuilds on request with the same result', async () => {
    await hub.post('/v1/events', { events: [order('erp-1', 'erp', 'OPEN'), order('crm-1', 'crm', 'open')] });
    await hub.settle();
    const before = (await hub.get('/v1/entities/order/SO-1001')).body;
    const status = await hub.get('/v1/projections');
    expect(status.body.projections).toContainEqual(expect.objectContaining({ name: 'entity-view', state: 'running', checkpoint: 2, lagEvents: 0 }));
    const rebuild = await hub.post('/v1/projections/entity-view/rebuild', {});
    expect(rebuild.status).toBe(202);
    await hub.settle();
    expect((await hub.get('/v1/entities/order/SO-1001')).body).toEqual(before);
    expect((await hub.post('/v1/projections/nope/rebuild', {})).status).toBe(404);
  });
});
