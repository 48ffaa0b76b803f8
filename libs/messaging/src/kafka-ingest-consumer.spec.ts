import { ManualClock } from '@concord/common';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { DeliveryOutcome, KafkaIngestPort } from './kafka-delivery';
import { KafkaIngestConsumer, type KafkaIngestConsumerOptions } from './kafka-ingest-consumer';

/**
 * The consumer's rules with kafkajs replaced by a recording fake: what is
 * resolved when, what is paused, what goes to the DLQ. The real broker
 * (test/kafka, `npm run test:kafka`) is the test of record for the protocol;
 * these pin the order of operations that "nothing lost" depends on.
 */
function given(options: Partial<KafkaIngestConsumerOptions> & { ingest?: KafkaIngestPort['ingest']; subscribeFailures?: number } = {}) {
  const log: string[] = [];
  const listeners = new Map<string, (event: { payload: unknown }) => void>();
  let eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  let subscribeFailures = options.subscribeFailures ?? 0;
  const consumer = {
    events: { GROUP_JOIN: 'join', HEARTBEAT: 'heartbeat', REBALANCING: 'rebalancing', CRASH: 'crash', STOP: 'stop' },
    on: (name: string, listener: (event: { payload: unknown }) => void) => listeners.set(name, listener),
    connect: async () => undefined,
    subscribe: async () => {
      if (subscribeFailures-- > 0) throw new Error('This server does not host this topic-partition');
    },
    run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      eachBatch = config.eachBatch;
    },
    pause: (tps: Array<{ topic: string; partitions: number[] }>) => log.push(`pause ${tps[0]!.topic}/${tps[0]!.partitions[0]}`),
    resume: (tps: Array<{ topic: string; partitions: number[] }>) => log.push(`resume ${tps[0]!.topic}/${tps[0]!.partitions[0]}`),
    disconnect: async () => undefined,
  };
  const clock = new ManualClock('2026-11-21T10:00:00.000Z');
  const sent: Array<{ topic: string; messages: Array<{ headers: Record<string, unknown> }> }> = [];
  const ingest: KafkaIngestPort['ingest'] =
    options.ingest ??
    (async (deliveries) => {
      log.push(`ingest ${deliveries.map((d) => d.transport.offset).join(',')}`);
      return deliveries.map((d): DeliveryOutcome => (d.decoded.ok ? { status: 'appended', position: Number(d.transport.offset) + 1 } : { status: 'rejected', reason: d.decoded.reason, message: d.decoded.message, quarantineId: `q-${d.transport.offset}` }));
    });
  const subject = new KafkaIngestConsumer({
    kafka: { consumer: () => consumer } as unknown as Kafka,
    groupId: 'g',
    topics: ['t'],
    port: { ingest },
    producer: {
      send: async (record) => {
        log.push(`dlq ${record.messages.map((m) => (m.headers as Record<string, string>)['concord-original-offset']).join(',')}`);
        sent.push(record as never);
        return [];
      },
    },
    deadLetterTopic: 'dlq',
    clock,
    chunkSize: 2,
    retryDelayMs: 5,
    pressurePollMs: 5,
    sessionTimeoutMs: 30_000,
    ...options,
  });

  async function deliver(values: Array<string | null>, running = () => true) {
    const resolved: string[] = [];
    const messages = values.map((value, i) => ({ key: Buffer.from('order/SO-1'), value: value === null ? null : Buffer.from(value), offset: String(10 + i), headers: {} }));
    await eachBatch!({
      batch: { topic: 't', partition: 0, highWatermark: String(10 + values.length + 3), messages, firstOffset: () => '10', lastOffset: () => String(10 + values.length - 1) },
      resolveOffset: (offset: string) => {
        log.push(`resolve ${offset}`);
        resolved.push(offset);
      },
      heartbeat: async () => void log.push('heartbeat'),
      isRunning: running,
      isStale: () => false,
    } as unknown as EachBatchPayload);
    return resolved;
  }

  const join = () => listeners.get('join')!({ payload: { memberAssignment: { t: [0, 1] } } });
  return { subject, log, sent, clock, deliver, join, listeners };
}

const good = (id: string) => JSON.stringify({ id });

describe('KafkaIngestConsumer', () => {
  it('appends chunk by chunk and resolves each chunk only after its append, heartbeating in between', async () => {
    const { subject, log, deliver } = given();
    await subject.start();
    await deliver([good('a'), good('b'), good('c'), good('d'), good('e')]);
    expect(log).toEqual(['ingest 10,11', 'resolve 11', 'heartbeat', 'ingest 12,13', 'resolve 13', 'heartbeat', 'ingest 14', 'resolve 14', 'heartbeat']);
    await subject.stop();
  });

  it('resolves nothing before the append is durable', async () => {
    let finish: (() => void) | undefined;
    const { subject, log, deliver } = given({
      ingest: (deliveries) =>
        new Promise<DeliveryOutcome[]>((resolve) => {
          finish = () => resolve(deliveries.map(() => ({ status: 'duplicate', position: 1 })));
        }),
    });
    await subject.start();
    const delivering = deliver([good('a')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual([]);
    finish!();
    await delivering;
    expect(log).toEqual(['resolve 10', 'heartbeat']);
    await subject.stop();
  });

  it('sends refused messages to the DLQ before their offsets move, and goes on with the partition', async () => {
    const { subject, log, sent, deliver } = given();
    await subject.start();
    await deliver(['{broken', good('b'), null]);
    expect(log).toEqual(['ingest 10,11', 'dlq 10', 'resolve 11', 'heartbeat', 'ingest 12', 'dlq 12', 'resolve 12', 'heartbeat']);
    expect(sent[0]).toMatchObject({ topic: 'dlq', messages: [{ headers: { 'concord-reason': 'malformed-json', 'concord-quarantine-id': 'q-10' } }] });
    await subject.stop();
  });

  it('after a failed append resolves nothing, pauses the partition, says why, and resumes it later', async () => {
    let failures = 1;
    const t = given({
      ingest: async (deliveries) => {
        if (failures-- > 0) throw new Error('disk full');
        return deliveries.map(() => ({ status: 'appended', position: 1 }));
      },
    });
    const { subject, log, deliver } = t;
    await subject.start();
    t.join();
    expect(await deliver([good('a'), good('b'), good('c')])).toEqual([]);
    expect(log).toEqual(['pause t/0']);
    expect(subject.status()).toMatchObject({ pausedAfterFailure: ['t/0'], problem: expect.stringContaining('disk full') });
    await waitUntil(() => log.includes('resume t/0'));
    // Kafka fetches from the last resolved offset again: the same messages come back.
    expect(await deliver([good('a'), good('b'), good('c')])).toEqual(['11', '12']);
    expect(subject.status().pausedAfterFailure).toEqual([]);
    await subject.stop();
  });

  it('a DLQ that cannot take the letter holds the offsets back too', async () => {
    const { subject, log, deliver } = given({ producer: { send: () => Promise.reject(new Error('broker down')) } });
    await subject.start();
    expect(await deliver(['{broken'])).toEqual([]);
    expect(log).toEqual(['ingest 10', 'pause t/0']);
    await subject.stop();
  });

  it('under ingestion pressure pauses before appending, and resumes once the pressure is gone', async () => {
    let pressure: string | undefined = 'the write queue is full';
    const { subject, log, deliver } = given({ pressure: () => pressure });
    await subject.start();
    expect(await deliver([good('a')])).toEqual([]);
    expect(log).toEqual(['pause t/0']);
    expect(subject.status().pausedForPressure).toEqual(['t/0']);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log).toEqual(['pause t/0']);
    pressure = undefined;
    await waitUntil(() => log.includes('resume t/0'));
    expect(subject.status().pausedForPressure).toEqual([]);
    await subject.stop();
  });

  it('stops between chunks when the consumer is stopping, leaving the rest unresolved', async () => {
    const { subject, log, deliver } = given();
    await subject.start();
    let chunks = 0;
    await deliver([good('a'), good('b'), good('c')], () => chunks++ === 0);
    expect(log).toEqual(['ingest 10,11', 'resolve 11', 'heartbeat']);
    await subject.stop();
  });

  it('is connected while a member of its group with fresh heartbeats, and reports lag per partition', async () => {
    const { subject, clock, deliver, join, listeners } = given();
    expect(subject.status()).toMatchObject({ connected: false, problem: 'the consumer is stopped' });
    await subject.start();
    expect(subject.status()).toMatchObject({ connected: false, problem: 'not (yet) a member of consumer group g' });
    join();
    await deliver([good('a'), good('b')]);
    expect(subject.status()).toMatchObject({ connected: true, assigned: 2, lag: [{ topic: 't', partition: 0, lag: 3 }] });
    clock.advance(31_000);
    expect(subject.status()).toMatchObject({ connected: false, problem: 'no heartbeat from the group coordinator for 31 s' });
    listeners.get('heartbeat')!({ payload: {} });
    expect(subject.status().connected).toBe(true);
    listeners.get('crash')!({ payload: { error: new Error('coordinator gone'), restart: true } });
    expect(subject.status()).toMatchObject({ connected: false, problem: 'consumer crashed: coordinator gone (restarting)' });
    await subject.stop();
  });

  it('keeps trying to subscribe while its topic does not exist, saying so', async () => {
    const { subject } = given({ subscribeFailures: 2 });
    const starting = subject.start();
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(subject.status().problem).toMatch(/^cannot subscribe to t: This server does not host this topic-partition/);
    await starting;
    await subject.stop();
  });

  it('counts outcomes per topic for the metrics', async () => {
    const { subject, deliver } = given();
    const counted: Array<[string, string, number]> = [];
    subject.onOutcome((topic, outcome, n) => counted.push([topic, outcome, n]));
    await subject.start();
    await deliver([good('a'), '{broken']);
    expect(counted).toEqual([
      ['t', 'appended', 1],
      ['t', 'rejected', 1],
    ]);
    await subject.stop();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
