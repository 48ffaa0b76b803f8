/**
 * Kill the hub's consumer mid-batch, after an append is durable and before its
 * offsets are committed, several times over, and show that 20,000 events end
 * up in the log exactly once each, with the log as sound as after the HTTP
 * kill -9 test (test/faults/kill-9.fault-spec.ts, the same assertStoreHealthy):
 * stream revisions gap-free, `concord verify` clean, `PRAGMA integrity_check`
 * ok, every projection equal to a rebuild from zero.
 *
 * How it is killed, and why: the hub runs as its own process
 * (support/hub-process.ts) and SIGKILLs itself from the consumer's
 * `afterDurable` hook, i.e. at the exact point where the log has the chunk and
 * Kafka does not know it yet. A kill from outside at a random moment would
 * mostly land in fetches or idle waits and would not prove the dangerous
 * window; SIGKILL (not an exception) means no `finally`, no shutdown hook, no
 * offset commit runs. The next process on the same data directory and consumer
 * group takes over (and is itself killed, until the last one finishes).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DurableChunk } from '@concord/messaging';
import { FAULT_HUB_ENV, projectionsAt } from '../faults/support/fault-hub';
import { assertStoreHealthy } from '../faults/support/store-health';
import { headPosition, jsonReaderOf, startHubChild, type HubChild } from './support/hub-child';
import { BROKER_SETUP_MS, createTopics, envelopeMessage, hubKafkaEnv, kafkaDescribe, openBroker, uniqueTopics, waitFor, type BrokerHandle } from './support/kafka-suite';

const EVENTS = 20_000;
const ORDERS = 2_000;
const CHUNK = 500;
/** Each process dies right after its n-th durable chunk with events new to the log: 17 of the 40 chunks, over 3 kills. */
const DIE_AFTER_CHUNKS = [7, 4, 6] as const;
/** When the orders were created: their flows (ERP order reaches the CRM within 15 minutes) stay open, not overdue, during the run. */
const CREATED_AT = new Date().toISOString();
const idOf = (i: number) => `crash-${i}`;

/** Order j: created, then 9 status changes, all keyed order/SO-C<j>, so each order stays in order in one partition. */
function envelope(i: number): Record<string, unknown> {
  const order = i % ORDERS;
  const step = Math.floor(i / ORDERS);
  const base = { id: idOf(i), source: 'erp', subject: { type: 'order', id: `SO-C${order}` }, occurredAt: CREATED_AT };
  return step === 0
    ? { ...base, type: 'order.created', data: { customerId: `C-${order}`, status: 'OPEN', total: { amount: order, currency: 'EUR' } } }
    : { ...base, type: 'order.status-changed', sourceSequence: step, data: { status: `S${step}` } };
}

kafkaDescribe('Kafka consumer crash')('Kafka: consumer killed mid-batch before the offset commit (real broker, real hub process)', () => {
  let kafka: BrokerHandle;
  let dataDir: string;
  const children: HubChild[] = [];

  beforeAll(async () => {
    kafka = await openBroker();
    dataDir = mkdtempSync(join(tmpdir(), 'concord-kafka-crash-'));
  }, BROKER_SETUP_MS);

  afterAll(async () => {
    for (const child of children) await child.stop();
    await kafka?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it(
    `loses none and doubles none of ${EVENTS.toLocaleString('en')} events across ${DIE_AFTER_CHUNKS.length} kills; the log verifies and every projection equals a rebuild`,
    async () => {
      const names = uniqueTopics('crash');
      await createTopics(kafka.admin, [{ topic: names.ingest, partitions: 3 }]);
      for (let start = 0; start < EVENTS; start += 1000) {
        await kafka.producer.send({ topic: names.ingest, messages: Array.from({ length: 1000 }, (_, k) => envelopeMessage(envelope(start + k))) });
      }
      // The fault hub's settings (short projection lease, flow rules on: every projection runs) plus Kafka.
      const env = hubKafkaEnv(kafka.brokers, names, { ...FAULT_HUB_ENV, CONCORD_DATA_DIR: dataDir, CONCORD_KAFKA_BATCH_SIZE: String(CHUNK), CONCORD_KAFKA_OUTBOUND_TOPIC: 'off' });
      const log = join(dataDir, 'hub.log');

      // 1. Each process dies right after a durable chunk of new events, inside a fetched batch, before Kafka hears of it.
      const killed: DurableChunk[] = [];
      const stored: number[] = [];
      for (const dieAfter of DIE_AFTER_CHUNKS) {
        const doomed = startHubChild({ ...env, KAFKA_TEST_DIE_AFTER_CHUNKS: String(dieAfter) }, log);
        children.push(doomed);
        const death = await doomed.died;
        expect(death.signal).toBe('SIGKILL');
        const chunk = death.chunk!;
        expect(chunk).toBeDefined();
        killed.push(chunk);
        stored.push(storedCount(dataDir));
        // The killed chunk is in the log although its offsets never reached Kafka.
        expect(eventsAt(dataDir, names.ingest, chunk.partition, chunk.firstOffset, chunk.lastOffset)).toBe(chunk.count);
      }
      // The first death, at least, is mid-batch (the batch it was working through went on past this chunk) and a whole chunk.
      expect(killed[0]!.count).toBe(CHUNK);
      expect(BigInt(killed[0]!.lastOffset)).toBeLessThan(BigInt(killed[0]!.batchLastOffset));
      expect(stored[0]).toBeGreaterThanOrEqual(DIE_AFTER_CHUNKS[0] * CHUNK);
      // Each process got past its predecessor's redeliveries and died with new events just stored, before the end.
      for (let k = 1; k < stored.length; k++) expect(stored[k]).toBeGreaterThan(stored[k - 1]!);
      expect(stored[stored.length - 1]).toBeLessThan(EVENTS);

      // 2. A last process, same data directory, same consumer group: Kafka redelivers from the last commit.
      const survivor = startHubChild(env, log);
      children.push(survivor);
      await survivor.listening;
      await waitFor(async () => (await headPosition(survivor)) >= EVENTS, 240_000, () => `all ${EVENTS} events in the log`);
      await waitFor(async () => totalLag((await survivor.get('/metrics')).text) === 0, 60_000, () => 'consumer lag 0');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await headPosition(survivor)).toBe(EVENTS);
      // Every projection catches up on the survivor (it takes the dead processes' leases over), then it stops cleanly.
      await projectionsAt(jsonReaderOf(survivor), EVENTS, 120_000);
      await survivor.stop();

      // 3. Exactly the produced events, each once, in a sound log: the same criteria as the HTTP kill -9 test.
      const health = await assertStoreHealthy(dataDir, { acknowledged: Array.from({ length: EVENTS }, (_, i) => idOf(i)), events: EVENTS, hubEnv: env });
      expect(health.log.streams).toBe(ORDERS);

      const db = new Database(join(dataDir, 'events.db'), { readonly: true });
      try {
        // Every killed chunk was delivered again and each of its events recognised as a duplicate.
        const redelivered = db.prepare(
          `SELECT count(DISTINCT r.event_id) FROM event_receipts r JOIN events e ON e.event_id = r.event_id
           WHERE json_extract(e.transport, '$.partition') = ? AND CAST(json_extract(e.transport, '$.offset') AS INTEGER) BETWEEN ? AND ?`,
        );
        for (const chunk of killed) expect(redelivered.pluck().get(chunk.partition, Number(chunk.firstOffset), Number(chunk.lastOffset))).toBe(chunk.count);
        const receipts = db.prepare(`SELECT count(*) FROM event_receipts WHERE json_extract(transport, '$.kind') = 'kafka'`).pluck().get() as number;
        // Per subject, revisions follow the order the producer sent them in (gap-freeness is assertStoreHealthy's).
        const outOfOrder = db
          .prepare(
            `SELECT count(*) FROM events a JOIN events b ON a.stream = b.stream AND b.revision = a.revision + 1
             WHERE CAST(substr(b.event_id, 7) AS INTEGER) < CAST(substr(a.event_id, 7) AS INTEGER)`,
          )
          .pluck()
          .get() as number;
        expect(outOfOrder).toBe(0);
        console.info(
          [
            `Kafka crash: ${DIE_AFTER_CHUNKS.length} SIGKILLs after a durable chunk, before its offset commit; events durable at each kill: ${stored.join(', ')}`,
            `killed chunks (partition:offsets): ${killed.map((c) => `${c.partition}:${c.firstOffset}-${c.lastOffset}`).join(', ')}; ${receipts} redeliveries stored as duplicate receipts`,
            `log: ${health.log.events} events, ${health.log.streams} streams, each once, revisions gap-free, integrity_check ok; verify OK (${health.verify.report.seals.total} seals)`,
            `every projection equals a rebuild from zero: ${health.rebuild.documents} documents, checkpoints ${JSON.stringify(health.rebuild.checkpoints)}`,
          ].join('\n'),
        );
      } finally {
        db.close();
      }
    },
    600_000,
  );
});

function storedCount(dir: string): number {
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  } finally {
    db.close();
  }
}

function eventsAt(dir: string, topic: string, partition: number, first: string, last: string): number {
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT count(*) FROM events WHERE json_extract(transport, '$.topic') = ? AND json_extract(transport, '$.partition') = ?
         AND CAST(json_extract(transport, '$.offset') AS INTEGER) BETWEEN ? AND ?`,
      )
      .pluck()
      .get(topic, partition, Number(first), Number(last)) as number;
  } finally {
    db.close();
  }
}

function totalLag(metrics: string): number {
  const lines = [...metrics.matchAll(/^concord_kafka_consumer_lag\{[^}]*\} (\d+)$/gm)];
  return lines.length === 0 ? -1 : lines.reduce((sum, m) => sum + Number(m[1]), 0);
}
