import { Readable } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  END,
  EVENT_TYPE,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  STREAM_NAME,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type EventType,
  type Filter,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SetStreamMetadataOptions,
  type StreamMetadata,
  type StreamingRead,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import type { KurrentClient } from '../kurrentdb/kurrent-client';
import type { KurrentRecord } from '../kurrentdb/kurrent-records';

/**
 * A TEST DOUBLE of `EventStoreDBClient` for unit tests: exactly the methods the
 * KurrentDB adapter calls, with the server's documented semantics as far as the
 * adapter can observe them. It is not a KurrentDB and is never wired into the
 * hub; passing the store contract suite with it proves the adapter's logic, not
 * the server. What it models:
 *
 * - one global log; every record's position is its byte offset (commit =
 *   prepare, as for gRPC appends), so positions grow but are not consecutive;
 *   the log starts with system records, and stream metadata writes add `$metadata`
 *   records to `$$<stream>`, so readers must filter;
 * - per-stream revisions from 0; `appendToStream` checks `expectedRevision`
 *   (ANY / NO_STREAM / STREAM_EXISTS / exact bigint) and throws the client's own
 *   `WrongExpectedVersionError`, as the real client does by default;
 * - the server's idempotency: with an exact or NO_STREAM expected revision, a
 *   batch whose event ids are already the events after that revision succeeds
 *   again without writing; with ANY only when they are among the last few events
 *   (best effort, like the server's cache);
 * - `readStream` fails with `StreamNotFoundError` while iterating a missing
 *   stream; `readAll` forwards includes the record at `fromPosition`, backwards
 *   excludes it; `subscribeToAll` starts after `fromPosition`, applies stream-name
 *   or event-type filters, catches up and then goes live; all are object-mode
 *   readables, like the client's;
 * - JSON data and metadata are serialized on the way in and parsed on the way
 *   out (no shared object references, `undefined` members dropped).
 *
 * Faults for tests: `interceptAppends` (run something before or after the
 * append is applied, e.g. a concurrent writer, or lose the response),
 * `setAvailable(false)` (every call fails with `UnavailableError`), and
 * `failSubscriptions` (live subscriptions end with an error).
 */
export interface FakeRecord extends KurrentRecord {
  readonly created: Date;
  readonly position: Position;
}

export interface AppendCall {
  readonly streamName: string;
  readonly events: readonly EventData[];
  readonly expectedRevision: AppendExpectedRevision;
}

/** Wraps one append: call `apply()` to let the server process it (at most once). */
export type AppendInterceptor = (call: AppendCall, apply: () => AppendResult) => Promise<AppendResult>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ANY_IDEMPOTENCY_WINDOW = 4;

interface LiveSubscription {
  readonly readable: Readable;
  readonly accepts: (record: FakeRecord) => boolean;
}

export class FakeKurrentClient implements KurrentClient {
  private readonly log: FakeRecord[] = [];
  private readonly streams = new Map<string, FakeRecord[]>();
  private readonly live = new Set<LiveSubscription>();
  private nextPosition = 0n;
  private available = true;
  private disposed = false;
  private interceptor: AppendInterceptor | undefined;
  private uuidCounter = 0;
  /** Every append the server processed or refused, in order: for assertions on what the adapter sent. */
  readonly appendCalls: AppendCall[] = [];

  /** `throwOnAppendFailure: false` mirrors the client option: conflicts resolve `{ success: false }` instead of throwing. */
  constructor(private readonly settings: { readonly throwOnAppendFailure?: boolean } = {}) {
    // A real log never starts empty: the server writes its own records first.
    this.write('$epoch-information', [this.systemEvent('$epoch', { epochNumber: 0 })]);
    this.write('$settings', [this.systemEvent('$settings', { $userStreamAcl: {} })]);
  }

  interceptAppends(interceptor: AppendInterceptor | undefined): void {
    this.interceptor = interceptor;
  }

  setAvailable(available: boolean): void {
    this.available = available;
  }

  failSubscriptions(error: Error = new UnavailableError(undefined, 'connection lost')): void {
    for (const subscription of [...this.live]) {
      this.live.delete(subscription);
      subscription.readable.destroy(error);
    }
  }

  /** Appends a record the way the server's own subsystems do (statistics, projections). */
  appendSystemRecord(streamName: string, type: string, data: Record<string, unknown> = {}): void {
    this.write(streamName, [this.systemEvent(type, data)]);
  }

  records(): readonly FakeRecord[] {
    return this.log;
  }

  async appendToStream<KnownEventType extends EventType = EventType>(
    streamName: string,
    events: EventData<KnownEventType> | EventData<KnownEventType>[],
    options: AppendToStreamOptions = {},
  ): Promise<AppendResult> {
    this.ensureUsable();
    const call: AppendCall = {
      streamName,
      events: (Array.isArray(events) ? events : [events]) as EventData[],
      expectedRevision: options.expectedRevision ?? ANY,
    };
    let applied: AppendResult | undefined;
    const apply = (): AppendResult => (applied ??= this.applyAppend(call));
    // The server applies each append asynchronously from the caller's point of view.
    await Promise.resolve();
    return this.interceptor ? this.interceptor(call, apply) : apply();
  }

  async setStreamMetadata(streamName: string, metadata: StreamMetadata, options: SetStreamMetadataOptions = {}): Promise<AppendResult> {
    const data: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(metadata)) data[`$${key}`] = value;
    return this.appendToStream(`$$${streamName}`, [this.systemEvent('$metadata', data)], options);
  }

  readStream<KnownEventType extends EventType = EventType>(
    streamName: string,
    options: ReadStreamOptions = {},
  ): StreamingRead<ResolvedEvent<KnownEventType>> {
    const { fromRevision = START, maxCount = Number.MAX_SAFE_INTEGER, direction } = options;
    const backwards = direction === BACKWARDS;
    const read = async function* (this: FakeKurrentClient): AsyncGenerator<ResolvedEvent> {
      this.ensureUsable();
      const records = this.streams.get(streamName);
      if (!records) throw new StreamNotFoundError(undefined, streamName);
      let selected: FakeRecord[];
      if (backwards) {
        const from = fromRevision === END || fromRevision === START ? records.length - 1 : Number(fromRevision);
        selected = records.slice(0, Math.min(from, records.length - 1) + 1).reverse();
      } else {
        const from = fromRevision === START ? 0 : fromRevision === END ? records.length : Number(fromRevision);
        selected = records.slice(from);
      }
      for (const record of selected.slice(0, Number(maxCount))) yield resolved(record);
    };
    return streamingRead(read.call(this)) as StreamingRead<ResolvedEvent<KnownEventType>>;
  }

  readAll(options: ReadAllOptions = {}): StreamingRead<AllStreamResolvedEvent> {
    const { fromPosition = START, maxCount = Number.MAX_SAFE_INTEGER, direction } = options;
    const backwards = direction === BACKWARDS;
    const read = async function* (this: FakeKurrentClient): AsyncGenerator<AllStreamResolvedEvent> {
      this.ensureUsable();
      let selected: FakeRecord[];
      if (backwards) {
        selected = this.log.filter((r) => fromPosition === END || (fromPosition !== START && isBefore(r.position, fromPosition))).reverse();
      } else {
        selected = this.log.filter((r) => fromPosition === START || (fromPosition !== END && !isBefore(r.position, fromPosition)));
      }
      for (const record of selected.slice(0, Number(maxCount))) yield resolved(record) as AllStreamResolvedEvent;
    };
    return streamingRead(read.call(this)) as StreamingRead<AllStreamResolvedEvent>;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllStreamSubscription {
    const { fromPosition = START, filter } = options;
    const readable = new Readable({ objectMode: true, read: () => undefined });
    const subscription: LiveSubscription = { readable, accepts: (record) => matches(filter, record) };
    const unsubscribe = async (): Promise<void> => {
      this.live.delete(subscription);
      if (!readable.destroyed) readable.push(null);
    };
    Object.assign(readable, { id: `fake-subscription-${++this.uuidCounter}`, unsubscribe });
    queueMicrotask(() => {
      if (!this.available || this.disposed) {
        readable.destroy(new UnavailableError(undefined, 'KurrentDB is unavailable'));
        return;
      }
      readable.emit('confirmation');
      for (const record of this.log) {
        const after = fromPosition === START || (fromPosition !== END && isBefore(fromPosition, record.position));
        if (after && subscription.accepts(record)) readable.push(resolved(record));
      }
      if (fromPosition !== END || this.log.length === 0) readable.emit('caughtUp');
      this.live.add(subscription);
    });
    return readable as unknown as AllStreamSubscription;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const subscription of [...this.live]) {
      this.live.delete(subscription);
      subscription.readable.push(null);
    }
  }

  private applyAppend(call: AppendCall): AppendResult {
    this.appendCalls.push(call);
    this.ensureUsable();
    for (const event of call.events) {
      if (!UUID.test(event.id)) throw new Error(`event id ${event.id} is not a UUID`);
    }
    const records = this.streams.get(call.streamName) ?? [];
    const current = records.length === 0 ? undefined : BigInt(records.length - 1);
    const idempotent = this.idempotentResult(records, call);
    if (idempotent) return idempotent;
    const expected = call.expectedRevision;
    const ok =
      expected === ANY ||
      (expected === NO_STREAM && current === undefined) ||
      (expected === STREAM_EXISTS && current !== undefined) ||
      (typeof expected === 'bigint' && current === expected);
    if (!ok) {
      if (this.settings.throwOnAppendFailure === false) return { success: false, nextExpectedRevision: current ?? -1n, position: undefined };
      throw new WrongExpectedVersionError(undefined, { streamName: call.streamName, expected, current: current ?? NO_STREAM });
    }
    const written = this.write(call.streamName, call.events);
    const last = written[written.length - 1]!;
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  /** The server's duplicate check: the same event ids again, right after the expected revision. */
  private idempotentResult(records: readonly FakeRecord[], call: AppendCall): AppendResult | undefined {
    const first = call.events[0];
    if (!first) return undefined;
    const expected = call.expectedRevision;
    let start: number;
    if (expected === NO_STREAM) start = 0;
    else if (typeof expected === 'bigint') start = Number(expected) + 1;
    else if (expected === ANY) {
      const window = records.slice(-ANY_IDEMPOTENCY_WINDOW);
      const hit = window.find((r) => r.id === first.id);
      if (!hit) return undefined;
      start = Number(hit.revision);
    } else return undefined;
    const existing = records.slice(start, start + call.events.length);
    if (existing.length === 0 || existing[0]!.id !== first.id) return undefined;
    if (existing.length !== call.events.length || existing.some((r, i) => r.id !== call.events[i]!.id)) {
      const current = BigInt(records.length - 1);
      throw new WrongExpectedVersionError(undefined, { streamName: call.streamName, expected, current });
    }
    const last = existing[existing.length - 1]!;
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  private write(streamName: string, events: readonly EventData[]): FakeRecord[] {
    const records = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, records);
    const written = events.map((event) => {
      const data = event.contentType === 'application/json' ? JSON.parse(JSON.stringify(event.data)) : event.data;
      const metadata = event.metadata === undefined ? undefined : JSON.parse(JSON.stringify(event.metadata));
      const position = { commit: this.nextPosition, prepare: this.nextPosition };
      // Records take room in the log: the next position is this one plus the record's size.
      this.nextPosition += BigInt(96 + streamName.length + JSON.stringify(data ?? null).length + JSON.stringify(metadata ?? null).length);
      const record: FakeRecord = {
        streamId: streamName,
        id: event.id,
        revision: BigInt(records.length),
        type: event.type,
        data,
        metadata,
        isJson: event.contentType === 'application/json',
        created: new Date(0),
        position,
      };
      records.push(record);
      this.log.push(record);
      return record;
    });
    for (const subscription of this.live) {
      for (const record of written) if (subscription.accepts(record)) subscription.readable.push(resolved(record));
    }
    return written;
  }

  private systemEvent(type: string, data: Record<string, unknown>): EventData {
    const n = (++this.uuidCounter).toString(16).padStart(12, '0');
    return { id: `00000000-0000-4000-8000-${n}`, contentType: 'application/json', type, data, metadata: undefined } as EventData;
  }

  private ensureUsable(): void {
    if (this.disposed) throw new UnavailableError(undefined, 'the client was disposed');
    if (!this.available) throw new UnavailableError(undefined, 'KurrentDB is unavailable');
  }
}

function resolved(record: FakeRecord): ResolvedEvent {
  const event = { ...record, data: structuredClone(record.data), metadata: structuredClone(record.metadata) };
  return { event, commitPosition: record.position.commit } as unknown as ResolvedEvent;
}

function streamingRead<E>(source: AsyncGenerator<E>): StreamingRead<E> {
  const readable = Readable.from(source, { objectMode: true });
  return Object.assign(readable, { cancel: async () => void readable.destroy() }) as unknown as StreamingRead<E>;
}

function isBefore(a: Position, b: Position): boolean {
  return a.commit < b.commit || (a.commit === b.commit && a.prepare < b.prepare);
}

function matches(filter: Filter | undefined, record: FakeRecord): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === STREAM_NAME ? record.streamId : filter.filterOn === EVENT_TYPE ? record.type : '';
  if ('regex' in filter) return new RegExp(filter.regex).test(subject);
  return filter.prefixes.some((prefix) => subject.startsWith(prefix));
}
