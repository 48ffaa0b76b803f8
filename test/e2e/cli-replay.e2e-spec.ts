import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { SqliteReadModelStore } from '@concord/projections';
import { runCli } from '../../apps/hub/src/cli/main';
import { readModelsFile } from '../../apps/hub/src/projections/projections.module';
import { startTestHub, type TestHub } from './support/test-hub';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

async function cli(hub: TestHub, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await runCli(argv, { config: hub.config, out: out.stream, err: err.stream, interactive: false });
  return { code, out: out.text(), err: err.text() };
}

function order(id: string, source: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { id, source, type: 'order.status-changed', subject: { type: 'order', id: 'SO-1001' }, occurredAt: '2026-11-21T09:00:00Z', data, ...extra };
}

/** Five events: SO-1001 created, changed by crm, a stale erp report, shipped; SO-2 created in between. */
async function hubWithHistory(): Promise<{ hub: TestHub; live: unknown }> {
  const hub = await startTestHub();
  const steps = [
    { ...order('erp-1', 'erp', { customerId: 'C-1', status: 'OPEN', total: { amount: 100, currency: 'EUR' } }, { sourceSequence: 5, actor: { type: 'user', id: 'alice' } }), type: 'order.created' },
    order('crm-1', 'crm', { status: 'pending' }),
    { ...order('erp-9', 'erp', { customerId: 'C-2', status: 'OPEN', total: { amount: 5, currency: 'EUR' } }), type: 'order.created', subject: { type: 'order', id: 'SO-2' } },
    order('erp-0', 'erp', { status: 'OLD' }, { sourceSequence: 4 }),
    order('erp-2', 'erp', { status: 'SHIPPED', reason: 'packed' }, { sourceSequence: 6 }),
  ];
  for (const step of steps) {
    await hub.post('/v1/events', step);
    hub.clock.advance(60_000);
  }
  await hub.settle();
  const live = (await hub.get('/v1/entities/order/SO-1001')).body;
  await hub.close({ keepData: true });
  return { hub, live };
}

describe('concord CLI: replay', () => {
  let hub: TestHub;
  let live: unknown;
  let scratch: string;

  beforeAll(async () => {
    ({ hub, live } = await hubWithHistory());
    scratch = mkdtempSync(join(tmpdir(), 'concord-replay-'));
  });

  afterAll(() => {
    rmSync(hub.dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('--entity', () => {
    it('prints one compact line per event with the fields it changed, stale reports included', async () => {
      const { code, out } = await cli(hub, ['replay', '--entity', 'order/SO-1001']);
      expect(code).toBe(0);
      const lines = out.trimEnd().split('\n');
      expect(lines).toEqual([
        '#1 r0 2026-11-21T10:00:00.000Z erp order.created (user:alice)  customerId: ∅ → "C-1"; status: ∅ → "OPEN"; total.amount: ∅ → 100; total.currency: ∅ → "EUR"',
        '#2 r1 2026-11-21T10:01:00.000Z crm order.status-changed  status: "OPEN" → "pending"',
        '#4 r2 2026-11-21T10:03:00.000Z erp order.status-changed  stale: not applied (sourceSequence 4 is not newer than 5 already applied from erp)',
        '#5 r3 2026-11-21T10:04:00.000Z erp order.status-changed  reason: ∅ → "packed"; status: "pending" → "SHIPPED"',
        '4 events of order/SO-1001; view version 4',
      ]);
    });

    it('--json prints one JSON line per event with the full view, ending at exactly the live view', async () => {
      const { code, out, err } = await cli(hub, ['replay', '--entity', 'order/SO-1001', '--json']);
      expect(code).toBe(0);
      const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines.map((l) => [l.event.id, l.outcome])).toEqual([
        ['erp-1', 'applied'],
        ['crm-1', 'applied'],
        ['erp-0', 'stale'],
        ['erp-2', 'applied'],
      ]);
      expect(lines[0].event).toMatchObject({ position: 1, source: 'erp', actor: { type: 'user', id: 'alice' } });
      expect(lines[1].view.state.status).toBe('pending');
      expect(lines[3].view).toEqual(live);
      expect(err).toContain('4 events of order/SO-1001');
    });

    it('stops at --position or --until', async () => {
      const byPosition = await cli(hub, ['replay', '--entity', 'order/SO-1001', '--position', '2', '--json']);
      expect(byPosition.out.trimEnd().split('\n').map((l) => JSON.parse(l).event.id)).toEqual(['erp-1', 'crm-1']);
      const byTime = await cli(hub, ['replay', '--entity', 'order/SO-1001', '--until', '2026-11-21T10:03:30Z']);
      expect(byTime.out).toContain('3 events of order/SO-1001 up to 2026-11-21T10:03:30.000Z; view version 3');
      const before = await cli(hub, ['replay', '--entity', 'order/SO-1001', '--until', '2000-01-01T00:00:00Z']);
      expect(before).toMatchObject({ code: 0, out: '0 events of order/SO-1001 up to 2000-01-01T00:00:00.000Z\n' });
    });

    it('refuses to run against a KurrentDB log rather than answer from an empty local file', async () => {
      const out = capture();
      const err = capture();
      const config = { ...hub.config, CONCORD_EVENT_STORE: 'kurrentdb' as const, CONCORD_KURRENTDB_URL: 'esdb://localhost:2113?tls=false' };
      expect(await runCli(['replay', '--entity', 'order/SO-1001'], { config, out: out.stream, err: err.stream, interactive: false })).toBe(2);
      expect(err.text()).toContain('not available yet');
      expect(out.text()).toBe('');
    });

    it('says so for an unknown entity, and refuses bad arguments with usage', async () => {
      const unknown = await cli(hub, ['replay', '--entity', 'order/SO-404']);
      expect(unknown).toMatchObject({ code: 1, out: '' });
      expect(unknown.err).toContain('no order/SO-404 is known');
      for (const argv of [
        ['replay'],
        ['replay', '--entity'],
        ['replay', '--entity', 'SO-1001'],
        ['replay', '--entity', '/SO-1001'],
        ['replay', '--entity', 'Order/SO-1001'],
        ['replay', '--entity', 'order/'],
        ['replay', '--entity', 'order/SO-1001', '--until', 'yesterday'],
        ['replay', '--entity', 'order/SO-1001', '--position', '-3'],
        ['replay', '--entity', 'order/SO-1001', '--position', '2', '--until', '2026-11-21T10:00:00Z'],
        ['replay', '--entity', 'order/SO-1001', '--json', 'yes'],
        ['replay', '--entity', 'order/SO-1001', '--into', 'x.db'],
        ['replay', 'order/SO-1001'],
      ]) {
        const result = await cli(hub, argv);
        expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
        expect(result.err).toContain('usage: npm run concord -- replay');
      }
    });
  });

  describe('--projection', () => {
    it('rebuilds the whole log into a separate file equal to the live read model, leaving the live file alone', async () => {
      const liveFile = readModelsFile(hub.config);
      const liveBefore = readFileSync(liveFile);
      const mtime = statSync(liveFile).mtimeMs;
      const into = join(scratch, 'all.db');
      const { code, out, err } = await cli(hub, ['replay', '--projection', 'entity-view', '--into', into]);
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`replayed entity-view over positions 1\\.\\.5 \\(5 events\\) into ${into.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in [\\d.]+ s`));
      expect(err).toMatch(/replay entity-view: 100%\s+5\/5 events/);
      expect(err).not.toContain('EMPTY');
      const replayed = SqliteReadModelStore.open(into);
      expect(await replayed.get('entities', 'order/SO-1001')).toEqual(live);
      expect(await replayed.checkpoint('entity-view')).toMatchObject({ position: 5, state: 'stopped' });
      await replayed.close();
      expect(readFileSync(liveFile).equals(liveBefore)).toBe(true);
      expect(statSync(liveFile).mtimeMs).toBe(mtime);
    });

    it('--from > 1 starts from an empty model, says so, and records the window in the file', async () => {
      const into = join(scratch, 'window.db');
      const { code, err } = await cli(hub, ['replay', '--projection', 'entity-view', '--from', '3', '--to', '4', '--into', into]);
      expect(code).toBe(0);
      expect(err).toContain('note: the model starts EMPTY at position 3: it holds what events 3..4 did, not the state as of 4');
      const replayed = SqliteReadModelStore.open(into);
      const sold = (await replayed.get('entities', 'order/SO-1001')) as any;
      expect(sold.version).toBe(3); // revision 2 (position 4) was the last folded
      // Position 4 was stale in the full log (sequence 4 after 5), but an empty start knows no earlier sequence, so here it applies:
      // exactly why a window from > 1 is "what these events did", not "the state at the end".
      expect(sold.state).toEqual({ status: 'OLD' });
      expect(await replayed.get('entities', 'order/SO-2')).toMatchObject({ state: { customerId: 'C-2' } });
      expect(await replayed.checkpoint('entity-view')).toMatchObject({ position: 4 });
      await replayed.close();
      const db = new Database(into, { readonly: true });
      expect(db.prepare('SELECT projection, from_position, to_position, log_head, starts_empty FROM replay_window').all()).toEqual([
        { projection: 'entity-view', from_position: 3, to_position: 4, log_head: 5, starts_empty: 1 },
      ]);
      db.close();
    });

    it('clamps --to at the head of the log and replays other projections too', async () => {
      const into = join(scratch, 'flows.db');
      const { code, err } = await cli(hub, ['replay', '--projection', 'audit-flows', '--to', '99', '--into', into]);
      expect(code).toBe(0);
      expect(err).toContain('--to 99 is past the end of the log: replaying to the head, 5');
      const replayed = SqliteReadModelStore.open(into);
      expect(await replayed.checkpoint('audit-flows')).toMatchObject({ position: 5 });
      await replayed.close();
    });

    it('never writes into an existing file or the hub’s own, and refuses bad windows', async () => {
      const existing = join(scratch, 'existing.db');
      writeFileSync(existing, 'not a database');
      const refused = await cli(hub, ['replay', '--projection', 'entity-view', '--into', existing]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('already exists');
      expect(readFileSync(existing, 'utf8')).toBe('not a database');
      const pastHead = await cli(hub, ['replay', '--projection', 'entity-view', '--from', '6', '--into', join(scratch, 'past.db')]);
      expect(pastHead.code).toBe(1);
      expect(pastHead.err).toContain('past the end of the log (head 5)');
      for (const argv of [
        ['replay', '--projection', 'entity-view', '--into', readModelsFile(hub.config)],
        ['replay', '--projection', 'entity-view', '--into', join(hub.dataDir, 'events.db')],
        ['replay', '--projection', 'entity-view'],
        ['replay', '--projection', 'nope', '--into', join(scratch, 'nope.db')],
        ['replay', '--projection', 'entity-view', '--from', '0', '--into', join(scratch, 'zero.db')],
        ['replay', '--projection', 'entity-view', '--from', '4', '--to', '3', '--into', join(scratch, 'backwards.db')],
        ['replay', '--projection', 'entity-view', '--from', 'x', '--into', join(scratch, 'x.db')],
        ['replay', '--projection', 'entity-view', '--into', join(scratch, 'y.db'), '--json'],
      ]) {
        const result = await cli(hub, argv);
        expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
        expect(result.err).toContain('usage: npm run concord -- replay');
      }
      for (const name of ['nope.db', 'zero.db', 'backwards.db', 'x.db', 'y.db', 'past.db']) expect(existsSync(join(scratch, name))).toBe(false);
    });
  });
});
