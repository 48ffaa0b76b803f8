import { ManualClock } from '@concord/common';
import { KurrentEventStore, type EventStore, type StoredEvent } from '@concord/event-store';
import { FakeKurrentClient } from '@concord/event-store/testing';
import { LogSealer } from './log-sealer';
import { publicKeysOf } from './seal';
import { allSeals, SqliteSealStore, type SealStore } from './seal-store';
import { aSealKey } from './testing';
import { verifyLog } from './verify-log';

/** The same verification through the EventStore port, on the KurrentDB adapter (positions are byte offsets, not 1, 2, 3…). */
describe('verifyLog on the KurrentDB adapter (fake client)', () => {
  const key = aSealKey();
  let store: KurrentEventStore;
  let seals: SealStore;

  beforeEach(async () => {
    const clock = new ManualClock('2026-11-21T10:00:00Z');
    store = new KurrentEventStore(new FakeKurrentClient(), { clock });
    seals = SqliteSealStore.open(':memory:');
    for (let i = 1; i <= 12; i++) {
      const subject = { type: 'order', id: `SO-${i % 3}` };
      clock.advance(1000);
      const result = await store.append({ stream: `order-SO-${i % 3}`, events: [{ envelope: { id: `evt-${i}`, source: 'erp', type: 'order.status-changed', schemaVersion: 1, subject, occurredAt: '2026-11-21T10:00:00Z', data: { n: i } }, transport: { kind: 'internal', component: 'test' } }] });
      expect(result.ok).toBe(true);
    }
    await new LogSealer(store, seals, key, clock, 5).catchUpNow();
  });
  afterEach(async () => {
    await seals.close();
    await store.close();
  });

  const verify = async (log: EventStore) => verifyLog({ log: { kind: 'event-store', store: log, consecutivePositions: false }, seals: await allSeals(seals), keys: publicKeysOf([key.publicKey]) });

  /** The adapter as someone who rewrote one stored event would leave it. */
  function withEventChanged(nth: number, change: (event: StoredEvent) => StoredEvent): EventStore {
    return new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'readAll') return Reflect.get(target, property, receiver) as unknown;
        return async (options: Parameters<EventStore['readAll']>[0]) => {
          const all = await target.readAll({ limit: 1000 });
          const changed = all.map((event, i) => (i === nth - 1 ? change(event) : event));
          return changed.filter((e) => e.position > (options?.after ?? 0)).slice(0, options?.limit ?? 1000);
        };
      },
    });
  }

  it('verifies clean, with the seals made on it', async () => {
    expect(await verify(store)).toMatchObject({ ok: true, events: 12, streams: 3, seals: { total: 2, matched: 2, unsealedEvents: 2 } });
  });

  it('names the position of a changed payload (the adapter’s own position)', async () => {
    const seventh = (await store.readAll({ limit: 7 }))[6]!;
    const report = await verify(withEventChanged(7, (e) => ({ ...e, data: { n: 70 } })));
    expect(report.broken).toMatchObject({ kind: 'content-changed', position: seventh.position, stream: seventh.stream, revision: seventh.revision });
  });

  it('catches a removed event by the first seal after it (positions have gaps here, so there is no missing-position)', async () => {
    const events = await store.readAll({ limit: 100 });
    expect((await verify(withEventChanged(4, (e) => ({ ...e, position: -1 })))).broken).toMatchObject({ kind: 'seal-mismatch', position: events[4]!.position, seal: 1 });
  });

  it('limit, stated: after the last seal, the last event of a stream can be removed unnoticed (seal often, seal before exporting)', async () => {
    // event 11 is the last of order-SO-2 and comes after seal #2 (event 10)
    expect((await verify(withEventChanged(11, (e) => ({ ...e, position: -1 })))).ok).toBe(true);
  });
});
