import type { Clock } from '@concord/common';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';

/** What sending needs of a producer (the hub's connects lazily and reconnects after an outage). */
export type MessageSender = Pick<Producer, 'send'>;
import { deadLetterFor } from './dead-letter';
import { toDelivery, type DeliveryOutcome, type KafkaDelivery } from './kafka-delivery';
import type { KafkaIngestPort } from './kafka-delivery';

/** A chunk of a fetched batch that is now durable, and the batch it belongs to. */
export interface DurableChunk {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly count: number;
  readonly batchFirstOffset: string;
  readonly batchLastOffset: string;
}

/** Test seams at the points that matter for "nothing lost, nothing doubled". */
export interface KafkaConsumerHooks {
  /**
   * Called after a chunk's events and refusals are durable (and its dead letters
   * sent), before its offsets are resolved and committed. Killing the process here
   * is the worst moment for a crash: the work is done, Kafka does not know it.
   */
  afterDurable?(chunk: DurableChunk): void;
}

export interface KafkaConsumerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface KafkaIngestConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: ReadonlyArray<string | RegExp>;
  readonly port: KafkaIngestPort;
  /** Sends dead letters; idempotent (`idempotent: true`, `maxInFlightRequests: 1`). */
  readonly producer: MessageSender;
  readonly deadLetterTopic: string;
  readonly clock: Clock;
  /** Why ingestion must wait right now (write queue or projections over their limits), or undefined. Cheap, synchronous. */
  readonly pressure?: () => string | undefined;
  /** Messages per append (one ingest command, one group commit). Default 1000. */
  readonly chunkSize?: number;
  /** Partitions processed at once; their appends share group commits. Default 3. */
  readonly partitionsConsumedConcurrently?: number;
  /** First wait after a failed append before the partition is tried again; doubles up to 30 s. Default 1 s. */
  readonly retryDelayMs?: number;
  /** How often paused partitions check whether the pressure is gone. Default 250 ms. */
  readonly pressurePollMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly fromBeginning?: boolean;
  readonly hooks?: KafkaConsumerHooks;
  readonly logger?: KafkaConsumerLogger;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Messages in the partition after the last one this consumer made durable, as of its last batch. */
  readonly lag: number;
}

export interface KafkaConsumerStatus {
  readonly connected: boolean;
  /** Why not connected, or the last error seen. */
  readonly problem?: string;
  readonly assigned: number;
  readonly pausedForPressure: readonly string[];
  readonly pausedAfterFailure: readonly string[];
  readonly lag: readonly PartitionLag[];
}

export type MessageOutcome = 'appended' | 'duplicate' | 'rejected';

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Reads the configured topics in a consumer group and hands each batch, chunk by
 * chunk, to the hub's ingest path. Offsets are resolved only after the chunk is
 * durable, so a crash at any point means redelivery, which the event log's
 * idempotency turns into `duplicate`. Refused messages are quarantined by the
 * ingest path and copied to the dead-letter topic; the partition moves on.
 * Under backpressure, or after a failed append, the partition is paused (not
 * the process, not the group membership) and resumed when it can go on.
 */
export class KafkaIngestConsumer {
  private readonly consumer: Consumer;
  private readonly chunkSize: number;
  private readonly retryDelayMs: number;
  private readonly sessionTimeoutMs: number;
  private joined = false;
  private running = false;
  private lastHeartbeat = 0;
  private problem: string | undefined;
  /** The last failed append, until a chunk goes through again. */
  private failure: string | undefined;
  private readonly assigned = new Set<string>();
  private readonly lags = new Map<string, PartitionLag>();
  private readonly heldByPressure = new Map<string, { topic: string; partition: number }>();
  private readonly heldAfterFailure = new Map<string, { timer: NodeJS.Timeout; delayMs: number }>();
  private readonly failureDelays = new Map<string, number>();
  private pressureTimer: NodeJS.Timeout | undefined;
  /** Ends the wait between two start attempts early (on stop). */
  private wake: (() => void) | undefined;
  private readonly outcomeListeners: Array<(topic: string, outcome: MessageOutcome, count: number) => void> = [];
  private readonly deadLetterListeners: Array<(topic: string, count: number) => void> = [];

  constructor(private readonly options: KafkaIngestConsumerOptions) {
    this.chunkSize = options.chunkSize ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: this.sessionTimeoutMs,
      // Topics are created by whoever owns them; a typo in a topic name must not create one.
      allowAutoTopicCreation: false,
      // A crashed consumer (a broker gone longer than kafkajs' retries) rejoins instead of staying dead.
      retry: { retries: 8, restartOnFailure: async () => true },
    });
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.problem = undefined;
      this.lastHeartbeat = this.now();
      this.assigned.clear();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) for (const p of partitions) this.assigned.add(keyOf(topic, p));
      for (const key of [...this.lags.keys()]) if (!this.assigned.has(key)) this.lags.delete(key);
      this.log('log', `joined group ${options.groupId}: ${this.assigned.size} partitions assigned`);
    });
    this.consumer.on(events.HEARTBEAT, () => {
      this.lastHeartbeat = this.now();
    });
    this.consumer.on(events.REBALANCING, () => {
      this.joined = false;
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.joined = false;
      this.problem = `consumer crashed: ${payload.error.message}${payload.restart ? ' (restarting)' : ''}`;
      this.log('warn', this.problem);
    });
    this.consumer.on(events.STOP, () => {
      this.joined = false;
    });
  }

  onOutcome(listener: (topic: string, outcome: MessageOutcome, count: number) => void): void {
    this.outcomeListeners.push(listener);
  }

  onDeadLetters(listener: (topic: string, count: number) => void): void {
    this.deadLetterListeners.push(listener);
  }

  /**
   * Joins the group and starts consuming. A topic that does not exist yet (the
   * connectors create theirs when they first publish) or a broker that is not
   * up is retried with backoff until it works or stop() is called; meanwhile
   * status() says why the consumer is not connected.
   */
  async start(): Promise<void> {
    this.running = true;
    this.pressureTimer = setInterval(() => this.releaseWhenRelieved(), this.options.pressurePollMs ?? 250);
    this.pressureTimer.unref();
    for (let delayMs = this.retryDelayMs; this.running; delayMs = Math.min(MAX_RETRY_DELAY_MS, delayMs * 2)) {
      try {
        await this.consumer.connect();
        await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
        await this.consumer.run({
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
          eachBatch: (payload) => this.handleBatch(payload),
        });
        return;
      } catch (error) {
        this.problem = `cannot subscribe to ${this.options.topics.map(String).join(', ')}: ${error instanceof Error ? error.message : String(error)}`;
        this.log('warn', `${this.problem}; retrying in ${delayMs} ms`);
        await this.consumer.disconnect().catch(() => undefined);
        await this.pause(delayMs);
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    clearInterval(this.pressureTimer);
    for (const { timer } of this.heldAfterFailure.values()) clearTimeout(timer);
    this.heldAfterFailure.clear();
    await this.consumer.disconnect();
  }

  status(): KafkaConsumerStatus {
    const fresh = this.now() - this.lastHeartbeat < this.sessionTimeoutMs;
    const connected = this.running && this.joined && fresh;
    const problem = !this.running
      ? 'the consumer is stopped'
      : !this.joined
        ? (this.problem ?? `not (yet) a member of consumer group ${this.options.groupId}`)
        : !fresh
          ? `no heartbeat from the group coordinator for ${Math.round((this.now() - this.lastHeartbeat) / 1000)} s`
          : (this.failure ?? this.problem);
    return {
      connected,
      ...(problem ? { problem } : {}),
      assigned: this.assigned.size,
      pausedForPressure: [...this.heldByPressure.keys()].map(shown),
      pausedAfterFailure: [...this.heldAfterFailure.keys()].map(shown),
      lag: [...this.lags.values()],
    };
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const key = keyOf(topic, partition);
    const highWatermark = Number(batch.highWatermark);
    for (let start = 0; start < batch.messages.length; start += this.chunkSize) {
      if (!isRunning() || isStale()) return;
      const pressure = this.options.pressure?.();
      if (pressure !== undefined) {
        // What is not resolved is fetched again from the last resolved offset after the resume.
        this.holdForPressure(topic, partition, pressure);
        return;
      }
      const messages = batch.messages.slice(start, start + this.chunkSize);
      const deliveries = messages.map((message) => toDelivery(topic, partition, message));
      try {
        const outcomes = await this.options.port.ingest(deliveries);
        await this.sendDeadLetters(deliveries, messages, outcomes);
        this.count(topic, outcomes);
      } catch (error) {
        this.holdAfterFailure(topic, partition, error);
        return;
      }
      const first = messages[0]!;
      const last = messages[messages.length - 1]!;
      this.options.hooks?.afterDurable?.({
        topic,
        partition,
        firstOffset: first.offset,
        lastOffset: last.offset,
        count: messages.length,
        batchFirstOffset: batch.firstOffset() ?? first.offset,
        batchLastOffset: batch.lastOffset(),
      });
      resolveOffset(last.offset);
      this.failureDelays.delete(key);
      this.failure = undefined;
      this.lags.set(key, { topic, partition, lag: Math.max(0, highWatermark - (Number(last.offset) + 1)) });
      // Keeps the group membership alive through a long batch; throws when a rebalance took the partition away.
      await heartbeat();
    }
  }

  private async sendDeadLetters(deliveries: readonly KafkaDelivery[], messages: EachBatchPayload['batch']['messages'], outcomes: readonly DeliveryOutcome[]): Promise<void> {
    const letters = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [deadLetterFor(deliveries[i]!, messages[i]!, outcome)] : []));
    if (letters.length === 0) return;
    // Before the offsets move: a crash in between redelivers the message and sends the letter again (same concord-dead-letter-id).
    await this.options.producer.send({ topic: this.options.deadLetterTopic, acks: -1, messages: letters });
    for (const listener of this.deadLetterListeners) listener(deliveries[0]!.transport.topic, letters.length);
  }

  private count(topic: string, outcomes: readonly DeliveryOutcome[]): void {
    if (this.outcomeListeners.length === 0) return;
    const counts: Record<MessageOutcome, number> = { appended: 0, duplicate: 0, rejected: 0 };
    for (const outcome of outcomes) counts[outcome.status]++;
    for (const listener of this.outcomeListeners) {
      for (const outcome of ['appended', 'duplicate', 'rejected'] as const) if (counts[outcome] > 0) listener(topic, outcome, counts[outcome]);
    }
  }

  private holdForPressure(topic: string, partition: number, reason: string): void {
    const key = keyOf(topic, partition);
    if (!this.heldByPressure.has(key)) this.log('warn', `pausing ${shown(key)}: ${reason}`);
    this.heldByPressure.set(key, { topic, partition });
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  private releaseWhenRelieved(): void {
    if (this.heldByPressure.size === 0 || this.options.pressure?.() !== undefined) return;
    const held = [...this.heldByPressure.values()];
    this.heldByPressure.clear();
    for (const { topic, partition } of held) {
      // A partition also waiting out a failed append stays paused until its own timer.
      if (!this.heldAfterFailure.has(keyOf(topic, partition))) this.consumer.resume([{ topic, partitions: [partition] }]);
    }
    this.log('log', `resuming ${held.length} partition(s): ingestion pressure is gone`);
  }

  private holdAfterFailure(topic: string, partition: number, error: unknown): void {
    const key = keyOf(topic, partition);
    const delayMs = Math.min(MAX_RETRY_DELAY_MS, this.failureDelays.get(key) ?? this.retryDelayMs);
    this.failureDelays.set(key, delayMs * 2);
    this.failure = `could not record messages from ${shown(key)}: ${error instanceof Error ? error.message : String(error)}`;
    this.log('error', `${this.failure}; nothing acknowledged, retrying in ${delayMs} ms`);
    this.consumer.pause([{ topic, partitions: [partition] }]);
    clearTimeout(this.heldAfterFailure.get(key)?.timer);
    const timer = setTimeout(() => {
      this.heldAfterFailure.delete(key);
      if (this.running && !this.heldByPressure.has(key)) this.consumer.resume([{ topic, partitions: [partition] }]);
    }, delayMs);
    timer.unref();
    this.heldAfterFailure.set(key, { timer, delayMs });
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).then(() => {
      this.wake = undefined;
    });
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }

  private log(level: keyof KafkaConsumerLogger, message: string): void {
    this.options.logger?.[level](message);
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function shown(key: string): string {
  return key.replace('\u0000', '/');
}
