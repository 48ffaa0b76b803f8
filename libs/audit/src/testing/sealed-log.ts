import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { ManualClock } from '@concord/common';
import { SqliteEventStore } from '@concord/event-store';
import { LogSealer } from '../log-sealer';
import { sealKeyFromPem, type SealKey } from '../seal';
import { SqliteSealStore } from '../seal-store';

export function aSealKey(): SealKey {
  return sealKeyFromPem(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
}

export const STREAMS = ['A', 'B', 'C'] as const;

/** Position p of {@link writeSealedLog}'s log holds stream order-X, X = STREAMS[(p-1) % 3], revision ⌊(p-1)/3⌋. */
export function streamAt(position: number): { stream: string; revision: number } {
  return { stream: `order-${STREAMS[(position - 1) % 3]}`, revision: Math.floor((position - 1) / 3) };
}

/**
 * Appends `events` events round-robin to three streams of a SQLite log in `dir`
 * (events.db; appending to what is there) and seals it every `sealEvery` events
 * (seals.db) with the given key, as the hub does.
 */
export async function writeSealedLog(dir: string, key: SealKey, options: { events: number; sealEvery: number; clock?: ManualClock }): Promise<{ logFile: string; sealFile: string }> {
  const logFile = join(dir, 'events.db');
  const sealFile = join(dir, 'seals.db');
  const clock = options.clock ?? new ManualClock('2026-11-21T10:00:00Z');
  const store = SqliteEventStore.open(logFile, { writer: 'inline', synchronous: 'OFF', clock });
  const seals = SqliteSealStore.open(sealFile, { synchronous: 'NORMAL' });
  try {
    const start = await store.headPosition();
    for (let i = start; i < start + options.events; i++) {
      const subject = { type: 'order', id: STREAMS[i % 3]! };
      clock.advance(1000);
      const result = await store.append({
        stream: `order-${subject.id}`,
        events: [{ envelope: { id: `evt-${i + 1}`, source: 'erp', type: 'order.status-changed', schemaVersion: 1, subject, occurredAt: '2026-11-21T10:00:00Z', data: { status: 'OPEN', n: i + 1 } }, transport: { kind: 'internal', component: 'test' } }],
      });
      if (!result.ok) throw new Error(`append failed: ${result.reason}`);
    }
    await new LogSealer(store, seals, key, clock, options.sealEvery).catchUpNow();
  } finally {
    await seals.close();
    await store.close();
  }
  return { logFile, sealFile };
}
