import { ManualClock, SeededIds } from '@concord/common';
import { openDatabase } from '@concord/sqlite';
import type { QuarantineInput, ReplayAttempt } from './quarantine.port';
import { SqliteQuarantineStore } from './sqlite-quarantine-store';

const input = (raw: string, overrides: Partial<QuarantineInput> = {}): QuarantineInput => ({
  reason: 'contract-violation',
  message: 'data.total.amount must be a number',
  raw,
  source: 'erp',
  transport: { kind: 'http', requestId: 'r1' },
  ...overrides,
});

const attempt = (overrides: Partial<ReplayAttempt>): ReplayAttempt => ({ id: 'replay-1', at: '2026-01-01T01:00:00.000Z', by: 'key-admin', outcome: 'rejected', ...overrides });

describe('SqliteQuarantineStore replays', () => {
  let clock: ManualClock;
  let store: SqliteQuarantineStore;
  beforeEach(() => {
    clock = new ManualClock('2026-01-01T00:00:00Z');
    store = new SqliteQuarantineStore(openDatabase(':memory:'), clock, new SeededIds(1));
  });

  it('given a failed replay, then the attempt is kept and the entry stays open', async () => {
    const [entry] = await store.recordMany([input('{"a":1}')]);
    const after = await store.recordReplay(entry!.id, attempt({ reason: 'contract-violation' }));
    expect(after).toMatchObject({ status: 'open', replays: [{ id: 'replay-1', outcome: 'rejected', by: 'key-admin' }] });
    expect(after!.resolvedAt).toBeUndefined();
  });

  it('given a successful replay, then the entry is resolved, kept, and its history grows in order', async () => {
    const [entry] = await store.recordMany([input('{"a":1}')]);
    await store.recordReplay(entry!.id, attempt({ id: 'replay-1' }));
    const after = await store.recordReplay(entry!.id, attempt({ id: 'replay-2', outcome: 'appended', eventId: 'e1', position: 7, at: '2026-01-01T02:00:00.000Z' }));
    expect(after).toMatchObject({ status: 'resolved', resolvedAt: '2026-01-01T02:00:00.000Z' });
    expect(after!.replays.map((r) => r.id)).toEqual(['replay-1', 'replay-2']);
    expect((await store.list({ status: 'resolved' })).items.map((e) => e.id)).toEqual([entry!.id]);
    expect(await store.countOpen()).toBe(0);
  });

  it('a later replay keeps the first resolution time', async () => {
    const [entry] = await store.recordMany([input('{"a":1}')]);
    await store.recordReplay(entry!.id, attempt({ id: 'r1', outcome: 'appended', at: '2026-01-01T02:00:00.000Z' }));
    const after = await store.recordReplay(entry!.id, attempt({ id: 'r2', outcome: 'duplicate', at: '2026-01-01T03:00:00.000Z' }));
    expect(after!.resolvedAt).toBe('2026-01-01T02:00:00.000Z');
  });

  it('answers undefined for an unknown entry and records nothing', async () => {
    expect(await store.recordReplay('q-404', attempt({}))).toBeUndefined();
  });

  it('the same input refused again after it was resolved reopens the entry', async () => {
    const [entry] = await store.recordMany([input('{"a":1}')]);
    await store.recordReplay(entry!.id, attempt({ outcome: 'appended' }));
    const [again] = await store.recordMany([input('{"a":1}')]);
    expect(again).toMatchObject({ id: entry!.id, status: 'open', attempts: 2 });
    expect(again!.resolvedAt).toBeUndefined();
  });

  it('keeps request headers for replay', async () => {
    const [entry] = await store.recordMany([input('body', { reason: 'bad-signature', headers: { 'webhook-id': 'msg_1' } })]);
    expect((await store.get(entry!.id))!.headers).toEqual({ 'webhook-id': 'msg_1' });
  });

  it('counts open, resolved, new and resolved since a time', async () => {
    const [a] = await store.recordMany([input('a')]);
    clock.advance(3_600_000);
    await store.recordMany([input('b'), input('c')]);
    await store.recordReplay(a!.id, attempt({ outcome: 'appended', at: clock.now().toISOString() }));
    expect(await store.stats('2026-01-01T00:30:00.000Z')).toEqual({ open: 2, resolved: 1, newSince: 2, resolvedSince: 1 });
    expect(await store.stats('2026-01-01T05:00:00.000Z')).toEqual({ open: 2, resolved: 1, newSince: 0, resolvedSince: 0 });
  });
});

describe('SqliteQuarantineStore erasing a subject', () => {
  const ada = (id: string, subjectId = 'C-1') =>
    JSON.stringify({ id, source: 'crm', type: 'customer.upserted', subject: { type: 'customer', id: subjectId }, occurredAt: 'x', data: { name: 'Ada', email: 'bad', status: 'active' } });
  const erase = (input: Record<string, unknown>) => ({ ...input, data: { ...(input.data as object), name: '[erased]', email: '[erased]' } });
  let store: SqliteQuarantineStore;
  beforeEach(() => {
    store = new SqliteQuarantineStore(openDatabase(':memory:'), new ManualClock('2026-01-01T00:00:00Z'), new SeededIds(1));
  });

  it("given refused events about the subject and others, then only the subject's entries lose their personal fields, and stay with their reason", async () => {
    const [mine, other, notJson] = await store.recordMany([input(ada('crm-1')), input(ada('crm-2', 'C-2')), input('{"subject": {"type": "customer", "id": "C-1"}, "Ada"', { reason: 'malformed-json' })]);
    expect(await store.eraseSubject({ type: 'customer', id: 'C-1' }, erase)).toBe(1);
    const after = await store.get(mine!.id);
    expect(JSON.parse(after!.raw)).toMatchObject({ id: 'crm-1', data: { name: '[erased]', email: '[erased]', status: 'active' } });
    expect(after).toMatchObject({ reason: 'contract-violation', status: 'open' });
    expect((await store.get(other!.id))!.raw).toContain('Ada');
    expect((await store.get(notJson!.id))!.raw).toContain('Ada'); // not JSON: it cannot say whom it is about (documented limit)
    expect(await store.eraseSubject({ type: 'customer', id: 'C-1' }, erase)).toBe(0); // idempotent
  });

  it('erases corrected payloads replayed for such an entry too', async () => {
    const [entry] = await store.recordMany([input(ada('crm-1'))]);
    await store.recordReplay(entry!.id, attempt({ correctedPayload: ada('crm-1').replace('"bad"', '"ada@example.com"') }));
    await store.eraseSubject({ type: 'customer', id: 'C-1' }, erase);
    const [replay] = (await store.get(entry!.id))!.replays;
    expect(replay!.correctedPayload).not.toContain('ada@example.com');
    expect(JSON.parse(replay!.correctedPayload!)).toMatchObject({ data: { email: '[erased]' } });
  });
});
