import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { chainedFieldsOf, chainHash, EVENT_STORE, GENESIS_HASH, type EventStore, type StoredEvent } from '@concord/event-store';
import { runCli } from '../../apps/hub/src/cli/main';
import { authHeader } from './support/auth';
import { startTestHub, type TestHub } from './support/test-hub';

const SUBJECT = { type: 'customer', id: 'C-42' };
const PERSONAL = { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0018' };

function customer(id: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { id, source: 'crm', type: 'customer.upserted', subject: SUBJECT, occurredAt: '2026-11-21T09:00:00Z', data, ...extra };
}

/** Every stream's chain recomputed from the stored bytes: each hash from its predecessor and its own fields. */
async function verifyChains(store: EventStore): Promise<{ events: number; broken: string[] }> {
  const last = new Map<string, string>();
  const broken: string[] = [];
  let events = 0;
  for (let after = 0; ; ) {
    const page: StoredEvent[] = await store.readAll({ after, limit: 500 });
    if (page.length === 0) break;
    for (const event of page) {
      events++;
      const prev = last.get(event.stream) ?? GENESIS_HASH;
      if (event.prevHash !== prev || chainHash(prev, chainedFieldsOf(event)) !== event.hash) broken.push(`${event.stream}@${event.revision}`);
      last.set(event.stream, event.hash);
      after = event.position;
    }
  }
  return { events, broken };
}

/** Some of the data directory's files as one text, to look for personal data in clear. */
function dataFilesText(hub: TestHub, only: (file: string) => boolean): string {
  return readdirSync(hub.dataDir)
    .filter((file) => only(file))
    .map((file) => readFileSync(join(hub.dataDir, file)).toString('latin1'))
    .join('\n');
}

async function keyFor(hub: TestHub, role: string): Promise<string> {
  const created = await hub.post('/v1/keys', { role, name: `privacy-${role}`, ...(role === 'connector' ? { sources: ['crm'] } : {}) });
  expect(created.status).toBe(201);
  return created.body.key as string;
}

describe('personal data: crypto-shredding through HTTP', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await startTestHub();
  });

  afterEach(() => hub.close());

  const forget = (type = SUBJECT.type, id = SUBJECT.id) => hub.post(`/v1/subjects/${type}/${encodeURIComponent(id)}/forget`, {});

  it('stores personal fields sealed, shows them to readers, and after forget shows "[erased]" everywhere, through a rebuild, with the chain intact', async () => {
    // given a customer reported by the CRM, with its personal fields
    const first = await hub.post('/v1/events', customer('crm-1', { ...PERSONAL, status: 'active', country: 'GB' }));
    expect(first.body.results[0]).toMatchObject({ status: 'appended' });
    hub.clock.advance(60_000);
    await hub.post('/v1/events', customer('crm-2', { ...PERSONAL, status: 'vip', country: 'GB' }, { sourceSequence: 2 }));
    await hub.settle();

    // the log holds ciphertext only; a retry of the same event is still a duplicate (sealing is deterministic)
    const stored = await hub.get('/v1/events/crm-1?view=stored');
    expect(stored.body.event.data.name).toMatch(/^pd1:1:/);
    expect(stored.body.event.data.status).toBe('active');
    expect(JSON.stringify(stored.body)).not.toContain('Ada');
    expect((await hub.post('/v1/events', customer('crm-1', { ...PERSONAL, status: 'active', country: 'GB' }))).body.results[0]).toMatchObject({ status: 'duplicate' });
    expect(dataFilesText(hub, (f) => f.startsWith('events.db'))).not.toContain('ada@example.com');

    // readers see the values
    expect((await hub.get('/v1/events/crm-1')).body.event.data).toMatchObject(PERSONAL);
    const view = await hub.get('/v1/entities/customer/C-42');
    expect(view.body.state).toMatchObject({ ...PERSONAL, status: 'vip' });

    // when the subject is forgotten
    const erased = await forget();
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      subject: SUBJECT,
      status: 'forgotten',
      erasure: 1,
      forgottenAt: '2026-11-21T10:01:00.000Z',
      keyGenerations: 1,
      erasedFields: ['email', 'name', 'phone'],
      event: { id: expect.stringMatching(/^concord:subject-forgotten:[0-9a-f]{32}:1$/), position: 3 },
    });
    await hub.settle();

    // then every read shows "[erased]" and keeps the rest
    const ERASED = { name: '[erased]', email: '[erased]', phone: '[erased]' };
    expect((await hub.get('/v1/events/crm-1')).body.event.data).toEqual({ ...ERASED, status: 'active', country: 'GB' });
    const stream = await hub.get('/v1/streams/customer-C-42');
    expect(stream.body.events.map((e: StoredEvent) => e.type)).toEqual(['customer.upserted', 'customer.upserted', 'subject.forgotten']);
    expect(stream.body.events[2]).toMatchObject({ source: 'concord', actor: { type: 'api-key' }, data: { erasure: 1, keyGenerations: 1, erasedFields: ['email', 'name', 'phone'] } });
    const live = (await hub.get('/v1/entities/customer/C-42')).body;
    expect(live.state).toEqual({ ...ERASED, status: 'vip', country: 'GB' });
    expect(live.sources.crm.state).toEqual({ ...ERASED, status: 'vip', country: 'GB' });
    expect((await hub.get('/v1/entities/customer/C-42?atPosition=1')).body.state).toEqual({ ...ERASED, status: 'active', country: 'GB' });

    const audit = await hub.get('/v1/audit/entities/customer/C-42');
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).not.toMatch(/Ada|ada@|7946/);
    expect(JSON.stringify(audit.body)).toContain('subject.forgotten');
    const lineage = await hub.get('/v1/audit/entities/customer/C-42/lineage?field=email');
    expect(lineage.status).toBe(200);
    expect(JSON.stringify(lineage.body)).not.toContain('ada@');
    expect(JSON.stringify(lineage.body)).toContain('[erased]');

    // a rebuild from the log gives the same erased view
    expect((await hub.post('/v1/projections/entity-view/rebuild', {})).status).toBe(202);
    await hub.settle();
    expect((await hub.get('/v1/entities/customer/C-42')).body).toEqual(live);
    // The log never held the values (read-models.db's WAL may still hold stale pages of the opened view: see README, Personal data).
    expect(dataFilesText(hub, (f) => f.startsWith('events.db'))).not.toContain('ada@example.com');

    // and the chain still verifies: hashes cover the ciphertext, which never changed
    const chains = await verifyChains(hub.app.get<EventStore>(EVENT_STORE));
    expect(chains).toEqual({ events: 3, broken: [] });
    // and so does the hub's own verifier (chains, log digest, seals), after a seal taken after the erasure
    expect((await hub.post('/v1/audit/seals', {})).status).toBeLessThan(300);
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await runCli(['verify'], { config: hub.config, out, err: new PassThrough(), interactive: false })).toBe(0);
    expect(text).toMatch(/^OK: 3 events/);
  });

  it("forget also erases the personal fields of the subject's refused inputs in the quarantine, keeping the entries", async () => {
    await hub.post('/v1/events', customer('crm-1', { ...PERSONAL, status: 'active' }));
    const refused = await hub.post('/v1/events', customer('crm-bad', { ...PERSONAL, email: 'ada at example', status: 'active' }));
    const quarantineId = refused.body.results[0].quarantineId as string;
    expect((await hub.get(`/v1/quarantine/${quarantineId}`)).body.raw).toContain('Ada Lovelace');
    const erased = await forget();
    expect(erased.body.quarantinedInputsErased).toBe(1);
    const entry = (await hub.get(`/v1/quarantine/${quarantineId}`)).body;
    expect(entry).toMatchObject({ reason: 'contract-violation', status: 'open' });
    expect(entry.raw).not.toMatch(/Ada|ada at|7946/);
    expect(JSON.parse(entry.raw).data).toEqual({ name: '[erased]', email: '[erased]', phone: '[erased]', status: 'active' });
  });

  it('a second forget says already forgotten and records nothing new; the replay CLI shows "[erased]" too', async () => {
    await hub.post('/v1/events', customer('crm-1', { ...PERSONAL, status: 'active' }));
    const first = await forget();
    hub.clock.advance(60_000);
    const second = await forget();
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'already-forgotten', erasure: 1, forgottenAt: first.body.forgottenAt, event: first.body.event });
    expect((await hub.get('/v1/streams/customer-C-42')).body.events).toHaveLength(2);

    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const code = await runCli(['replay', '--entity', 'customer/C-42', '--json'], { config: hub.config, out, err: new PassThrough(), interactive: false });
    expect(code).toBe(0);
    expect(text).toContain('[erased]');
    expect(text).not.toContain('Ada');
  });

  it('a redelivery of an event stored before the erasure is a duplicate and does not bring the values back; new personal data is readable again', async () => {
    await hub.post('/v1/events', customer('crm-1', { ...PERSONAL, status: 'active' }));
    await forget();
    const again = await hub.post('/v1/events', customer('crm-1', { ...PERSONAL, status: 'active' }));
    expect(again.body.results[0]).toMatchObject({ status: 'duplicate', position: 1 });
    expect((await hub.get('/v1/events/crm-1')).body).toMatchObject({ receivedCount: 2, event: { data: { name: '[erased]' } } });
    // the same id with other non-personal content is still refused
    const changed = await hub.post('/v1/events', customer('crm-1', { ...PERSONAL, status: 'closed' }));
    expect(changed.body.results[0]).toMatchObject({ status: 'rejected', reason: 'id-reused-with-different-content' });

    const later = await hub.post('/v1/events', customer('crm-3', { name: 'Ada L.', status: 'returned' }));
    expect(later.body.results[0]).toMatchObject({ status: 'appended' });
    expect((await hub.get('/v1/events/crm-3?view=stored')).body.event.data.name).toMatch(/^pd1:2:/);
    await hub.settle();
    expect((await hub.get('/v1/entities/customer/C-42')).body.state).toMatchObject({ name: 'Ada L.', email: '[erased]', status: 'returned' });
    const secondErasure = await forget();
    expect(secondErasure.body).toMatchObject({ status: 'forgotten', erasure: 2, keyGenerations: 1 });
    await hub.settle();
    expect((await hub.get('/v1/entities/customer/C-42')).body.state).toMatchObject({ name: '[erased]', status: 'returned' });
  });

  it('forgetting a subject without personal data answers 404 and records nothing; a malformed subject is 400', async () => {
    await hub.post('/v1/events', { id: 'erp-1', source: 'erp', type: 'order.created', subject: { type: 'order', id: 'SO-1' }, occurredAt: '2026-11-21T09:00:00Z', data: { customerId: 'C-1', status: 'OPEN', total: { amount: 1, currency: 'EUR' } } });
    const unknown = await forget('customer', 'C-404');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('no personal data of customer "C-404"');
    expect((await forget('order', 'SO-1')).status).toBe(404);
    expect((await hub.get('/v1/streams/customer-C-404')).status).toBe(404);
    expect((await forget('Customer', 'C-1')).status).toBe(400);
  });

  it('only an admin may forget; a connector cannot forge the erasure record', async () => {
    await hub.post('/v1/events', customer('crm-1', { ...PERSONAL }));
    for (const role of ['analyst', 'auditor', 'connector']) {
      const key = await keyFor(hub, role);
      const response = await hub.app.inject({ method: 'POST', url: '/v1/subjects/customer/C-42/forget', headers: authHeader(key) });
      expect(response.statusCode).toBe(403);
    }
    expect((await hub.app.inject({ method: 'POST', url: '/v1/subjects/customer/C-42/forget' })).statusCode).toBe(401);
    expect((await hub.get('/v1/events/crm-1')).body.event.data.name).toBe('Ada Lovelace');

    const forged = await hub.post('/v1/events', {
      id: 'crm-forged',
      source: 'crm',
      type: 'subject.forgotten',
      subject: SUBJECT,
      occurredAt: '2026-11-21T09:00:00Z',
      data: { erasure: 1, keyGenerations: 1, erasedFields: ['name'] },
    });
    expect(forged.body.results[0]).toMatchObject({ status: 'rejected', reason: 'subject-type-mismatch' });
  });
});
