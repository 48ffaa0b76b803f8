/**
 * Kill the hub's consumer mid-batch, after an append is durable and before its
 * offsets are committed, and show that 20,000 events end up in the log exactly
 * once each.
 *
 * How it is killed, and why: the hub runs as its own process
 * (support/hub-process.ts) and SIGKILLs itself from the consumer's
 * `afterDurable` hook, i.e. at the exact point where the log has the chunk and
 * Kafka does not know it yet. A kill from outside at a random moment would
 * mostly land in fetches or idle waits and would not prove the dangerous
 * window; SIGKILL (not an exception) means no `finally`, no shutdown hook, no
 * offset commit runs. A second process on the same data directory and consumer
 * group then takes over.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headPosition, startHubChild, type HubChild } from './support/hub-child';
import { BROKER_SETUP_MS, createTopics, envelopeMessage, hubKafkaEnv, kafkaDescribe, openBroker, uniqueTopics, waitFor, type BrokerHandle } from './support/kafka-suite';

const EVENTS = 20_000;
const ORDERS = 2_000;
const CHUNK = 500;
const DIE_AFTER_CHUNKS = 7;

/** Order j: created, then 9 status changes, all keyed order/SO-C<j>, so each order stays in order in one partition. */
function envelope(i: number): Record<string, unknown> {
  const order = i % ORDERS;
  const step = Math.floor(i / ORDERS);
  const base = { id: `crash-${i}`, source: 'erp', subject: { type: 'order', id: `SO-C${order}` }, occurredAt: '2026-11-21T10:00:00Z' };
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
    `loses none and doubles none of ${EVENTS.toLocaleString('en')} events`,
    async () => {
      const names = uniqueTopics('crash');
      await createTopics(kafka.admin, [{ topic: names.ingest, partitions: 3 }]);
      for (let start = 0; start < EVENTS; start += 1000) {
        await kafka.producer.send({ topic: names.ingest, messages: Array.from({ length: 1000 }, (_, k) => envelopeMessage(envelope(start + k))) });
      }
      const env = hubKafkaEnv(kafka.brokers, names, { CONCORD_DATA_DIR: dataDir, CONCORD_KAFKA_BATCH_SIZE: String(CHUNK), CONCORD_KAFKA_OUTBOUND_TOPIC: 'off' });
      const log = join(dataDir, 'hub.log');

      // 1. The first hub dies right after its 7th durable chunk, inside a fetched batch.
      const doomed = startHubChild({ ...env, KAFKA_TEST_DIE_AFTER_CHUNKS: String(DIE_AFTER_CHUNKS) }, log);
      children.push(doomed);
      const death = await doomed.died;
      expect(death.signal).toBe('SIGKILL');
      const chunk = death.chunk!;
      expect(chunk.count).toBe(CHUNK);
      // Mid-batch: the batch it was working through went on past this chunk.
      expect(BigInt(chunk.lastOffset)).toBeLessThan(BigInt(chunk.batchLastOffset));
      const beforeRestart = storedCount(dataDir);
      expect(beforeRestart).toBeGreaterThanOrEqual(DIE_AFTER_CHUNKS * CHUNK);
      expect(beforeRestart).toBeLessThan(EVENTS);
      // The killed chunk is in the log although its offsets never reached Kafka.
      expect(eventsAt(dataDir, names.ingest, chunk.partition, chunk.firstOffset, chunk.lastOffset)).toBe(CHUNK);

      // 2. A new hub process, same data directory, same consumer group: Kafka redelivers from the last commit.
      const survivor = startHubChild(env, log);
      children.push(survivor);
      await survivor.listening;
      await waitFor(async () => (await headPosition(survivor)) >= EVENTS, 180_000, () => `all ${EVENTS} events in the log`);
      await waitFor(async () => totalLag((await survivor.get('/metrics')).text) === 0, 60_000, () => 'consumer lag 0');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await headPosition(survivor)).toBe(EVENTS);
      await survivor.stop();

      // 3. Exactly the produced events, each once; the redelivered ones were recognised as duplicates.
      const db = new Database(join(dataDir, 'events.db'), { readonly: true });
      try {
        const ids = db.prepare('SELECT event_id FROM events ORDER BY position').pluck().all() as string[];
        expect(ids).toHaveLength(EVENTS);
        expect(new Set(ids)).toEqual(new Set(Array.from({ length: EVENTS }, (_, i) => `crash-${i}`)));
        const redelivered = db
          .prepare(
            `SELECT count(DISTINCT r.event_id) FROM event_receipts r JOIN events e ON e.event_id = r.event_id
             WHERE json_extract(e.transport, '$.partition') = ? AND CAST(json_extract(e.transport, '$.offset') AS INTEGER) BETWEEN ? AND ?`,
          )
          .pluck()
          .get(chunk.partition, Number(chunk.firstOffset), Number(chunk.lastOffset)) as number;
        expect(redelivered).toBe(CHUNK);
        const receipts = db.prepare(`SELECT count(*) FROM event_receipts WHERE json_extract(transport, '$.kind') = 'kafka'`).pluck().get() as number;
        console.info(`crash test: ${beforeRestart} events durable at the kill; ${receipts} redeliveries stored as duplicate receipts; ${EVENTS} events, each once`);
        // Per subject, revisions are gap-free and in the order the producer sent them.
        const outOfOrder = db
          .prepare(
            `SELECT count(*) FROM events a JOIN events b ON a.stream = b.stream AND b.revision = a.revision + 1
             WHERE CAST(substr(b.event_id, 7) AS INTEGER) < CAST(substr(a.event_id, 7) AS INTEGER)`,
          )
          .pluck()
          .get() as number;
        expect(outOfOrder).toBe(0);
      } finally {
        db.close();
      }
    },
    400_000,
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
