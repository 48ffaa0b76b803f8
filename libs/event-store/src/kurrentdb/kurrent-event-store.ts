import {
  ANY,
  END,
  isCommandError,
  jsonEvent,
  NO_STREAM,
  START,
  streamNameFilter,
  WrongExpectedVersionError,
  type Filter,
  type Position as KurrentPosition,
  type ReadPosition,
} from '@eventstore/db-client';
import { StoreUnavailableError, systemClock, type Clock } from '@concord/common';
import { chainHash, contentDigest, GENESIS_HASH } from '../chain';
import type {
  AppendedEvent,
  AppendRequest,
  AppendResult,
  DuplicateReceipt,
  EventStore,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../event-store.port';
import { revisionConflict } from '../expected-revision';
import { eventUuidOf } from './event-uuid';
import { IdClaims, type IdClaim } from './id-claims';
import { connectKurrentDb, type KurrentClient } from './kurrent-client';
import { KurrentNames } from './kurrent-names';
import { readAllRecords, readLastRecord, readStreamRecords } from './kurrent-reads';
import {
  hashOf,
  isConcordRecord,
  kurrentPositionOf,
  positionOf,
  toKurrentEvent,
  toStoredEvent,
  type ChainedEvent,
  type KurrentRecord,
} from './kurrent-records';
import { KurrentLogSubscription } from './kurrent-subscription';

export interface KurrentEventStoreOptions {
  readonly clock?: Clock;
  /** Isolates this hub's streams inside a shared database (tenants, test runs). Default: none. */
  readonly namespace?: string;
  /** Dispose the client on close; set when the store opened the connection itself. */
  readonly ownsClient?: boolean;
  /** How often one request is retried when its stream keeps changing under it before it fails with 503. */
  readonly maxAttempts?: number;
  /** Waits before resubscribing after the server dropped a subscription. */
  readonly subscriptionRetryDelaysMs?: readonly number[];
}

export const DUPLICATE_RECEIVED = 'concord.duplicate-received';
export const HEARTBEAT = 'concord.heartbeat';
const CONFLICT = Symbol('conflict');
const ALL_PAGE = 1024;

/** One event of a request, as the request is being decided. */
type Slot =
  | { readonly kind: 'stored'; readonly event: AppendedEvent }
  /** `write`: its index among the events this attempt writes; `claim`: the id is not claimed yet. */
  | { readonly kind: 'write'; readonly claim: boolean; readonly write: number }
  | { readonly kind: 'twin'; readonly of: number };

/**
 * The event log on KurrentDB / EventStoreDB (`@eventstore/db-client`), for when
 * one machine is not enough. Same port, same contract suite as the SQLite log.
 *
 * Append protocol for one request (stream S), repeated on conflict:
 * 1. Read S's last event (revision T, hash) and each event id's claim.
 * 2. A claimed id is either this event again (same stream and content digest:
 *    look for it in S after the claim's floor, up to T; found → `duplicate`,
 *    not found → an interrupted write, so it is written now) or another event
 *    (`id-reused-with-different-content`, nothing written).
 * 3. Check the request's expected revision against T (only when something is
 *    written, as in SQLite), then claim the unclaimed ids (NO_STREAM on
 *    `$concord-id-<id>`; losing a claim race → conflict).
 * 4. Chain the new events from S's last hash and append them with expected
 *    revision exactly T and deterministic UUIDs. WrongExpectedVersion → conflict:
 *    start again at 1, which finds events a concurrent writer stored meanwhile.
 * 5. Read the written revisions back: their positions, and proof that they are
 *    this writer's events rather than a concurrent identical write the server
 *    absorbed as idempotent (then: conflict, and step 2 reports duplicates).
 *
 * Appends to one stream are serialized inside this process; across processes
 * the expected revision does it. Requests for different streams run in parallel.
 */
export class KurrentEventStore implements EventStore {
  private readonly names: KurrentNames;
  private readonly claims: IdClaims;
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly subscriptionRetryDelaysMs: readonly number[];
  private readonly streamQueues = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly subscriptions = new Set<KurrentLogSubscription>();
  private heartbeatCapped = false;
  private closed = false;

  constructor(
    private readonly client: KurrentClient,
    private readonly options: KurrentEventStoreOptions = {},
  ) {
    this.names = new KurrentNames(options.namespace ?? '');
    this.claims = new IdClaims(client, this.names);
    this.clock = options.clock ?? systemClock;
    this.maxAttempts = options.maxAttempts ?? 20;
    this.subscriptionRetryDelaysMs = options.subscriptionRetryDelaysMs ?? [100, 250, 500, 1000, 2000, 5000, 5000, 5000];
  }

  /** Connects with a client v6 connection string, e.g. `esdb://localhost:2113?tls=false`. */
  static connect(connectionString: string, options: Omit<KurrentEventStoreOptions, 'ownsClient'> = {}): KurrentEventStore {
    return new KurrentEventStore(connectKurrentDb(connectionString), { ...options, ownsClient: true });
  }

  async appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    this.ensureOpen();
    const settled = await this.track(
      Promise.allSettled(requests.map((request) => this.serialized(request.stream, () => this.appendWithRetries(request)))),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw unavailable(failed.reason, 'append to');
    return settled.map((s) => (s as PromiseFulfilledResult<AppendResult>).value);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const [result] = await this.appendMany([request]);
    return result!;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const from = options.fromRevision ?? 0;
    const to = options.toRevision ?? Number.MAX_SAFE_INTEGER;
    const limit = options.limit !== undefined && options.limit >= 0 ? options.limit : Number.MAX_SAFE_INTEGER;
    const maxCount = Math.min(limit, to - from + 1);
    if (maxCount <= 0) return [];
    const records = await this.reading(() =>
      readStreamRecords(this.client, this.names.stream(stream), { fromRevision: BigInt(from), maxCount }),
    );
    return records.map((record) => toStoredEvent(record, stream));
  }

  /**
   * `$all` holds system records and this hub's bookkeeping streams as well, so
   * pages are read and filtered until `limit` Concord events are found or the
   * log ends. Pages continue from the last record's full KurrentDB position.
   */
  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const after = options.after ?? 0;
    const limit = options.limit ?? 1000;
    const found: StoredEvent[] = [];
    let cursor: ReadPosition = kurrentPositionOf(after);
    let seen: KurrentPosition | undefined = cursor === START ? undefined : (cursor as KurrentPosition);
    while (found.length < limit) {
      const pageSize = Math.min(ALL_PAGE, (limit - found.length) * 2 + 16);
      const page = await this.reading(() => readAllRecords(this.client, { fromPosition: cursor, maxCount: pageSize }));
      for (const record of page) {
        if (seen && !isAfter(record.position!, seen)) continue;
        const event = this.concordEventOf(record);
        if (event) found.push(event);
        if (found.length === limit) break;
      }
      if (page.length < pageSize) break;
      seen = page[page.length - 1]!.position!;
      cursor = seen;
    }
    return found;
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const subscription = new KurrentLogSubscription({
      after: options.after ?? 0,
      batchSize: options.batchSize ?? 500,
      open: (after) => this.client.subscribeToAll({ fromPosition: kurrentPositionOf(after), filter: this.subscriptionFilter() }),
      toStoredEvent: (record) => this.concordEventOf(record),
      isStoreClosed: () => this.closed,
      retryDelaysMs: this.subscriptionRetryDelaysMs,
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    return this.reading(async () => {
      const claim = await this.claims.lookup(id);
      const record = claim ? await this.claims.locate(claim) : undefined;
      return record && claim ? toStoredEvent(record, claim.stream) : undefined;
    });
  }

  /** Later deliveries of a stored event live in `$concord-receipts-<id>`, one event per delivery. */
  async duplicateReceipts(id: string): Promise<DuplicateReceipt[]> {
    const records = await this.reading(() =>
      readStreamRecords(this.client, this.names.receipts(id), { fromRevision: 0n, maxCount: Number.MAX_SAFE_INTEGER }),
    );
    return records.filter((r) => r.type === DUPLICATE_RECEIVED).map((r) => r.data as DuplicateReceipt);
  }

  async headPosition(): Promise<Position> {
    let cursor: ReadPosition = END;
    for (;;) {
      const page = await this.reading(() => readAllRecords(this.client, { fromPosition: cursor, maxCount: ALL_PAGE, backwards: true }));
      const newest = page.find((record) => this.concordEventOf(record) !== undefined);
      if (newest) return positionOf(newest);
      if (page.length < ALL_PAGE) return 0;
      cursor = page[page.length - 1]!.position!;
    }
  }

  /** A real write: one small event appended to `$concord-heartbeat` (capped to one event, so scavenging drops the rest). */
  async checkWritable(): Promise<void> {
    this.ensureOpen();
    try {
      const heartbeat = jsonEvent({ type: HEARTBEAT, data: { at: this.clock.now().toISOString() } });
      await this.client.appendToStream(this.names.heartbeat(), heartbeat, { expectedRevision: ANY });
      if (!this.heartbeatCapped) {
        await this.client.setStreamMetadata(this.names.heartbeat(), { maxCount: 1 });
        this.heartbeatCapped = true;
      }
    } catch (error) {
      throw new StoreUnavailableError(`KurrentDB cannot take writes: ${describe(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.close();
    this.subscriptions.clear();
    await Promise.allSettled([...this.inFlight]);
    if (this.options.ownsClient) await this.client.dispose();
  }

  private async appendWithRetries(request: AppendRequest): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryAppend(request);
      if (outcome !== CONFLICT) return outcome;
      if (attempt >= this.maxAttempts) {
        throw new StoreUnavailableError(`stream ${request.stream} kept changing during ${attempt} append attempts; retry later`);
      }
    }
  }

  private async tryAppend(request: AppendRequest): Promise<AppendResult | typeof CONFLICT> {
    const { stream, events } = request;
    const recordedAt = this.clock.now().toISOString();
    const digests = events.map((event) => contentDigest(event.envelope));
    const ids = [...new Set(events.map((event) => event.envelope.id))];
    const [tail, claimList] = await Promise.all([
      readLastRecord(this.client, this.names.stream(stream)),
      Promise.all(ids.map((id) => this.claims.lookup(id))),
    ]);
    if (tail && !isConcordRecord(tail)) throw new Error(`KurrentDB stream ${tail.streamId} ends with an event Concord did not write`);
    const tailRevision = tail ? Number(tail.revision) : -1;
    const claimOf = new Map(ids.map((id, i) => [id, claimList[i]]));

    const slots: Slot[] = [];
    const firstSlotOf = new Map<string, number>();
    let writes = 0;
    for (const [index, event] of events.entries()) {
      const id = event.envelope.id;
      const earlier = firstSlotOf.get(id);
      if (earlier !== undefined) {
        if (digests[earlier] !== digests[index]) return this.idReusedWithinRequest(id, stream, slots[earlier]!, tailRevision);
        slots.push({ kind: 'twin', of: earlier });
        continue;
      }
      firstSlotOf.set(id, index);
      const claim = claimOf.get(id);
      if (claim && (claim.stream !== stream || claim.contentDigest !== digests[index])) return this.idReused(id, claim);
      const stored = claim ? await this.claims.locate(claim, tailRevision) : undefined;
      if (stored) {
        slots.push({ kind: 'stored', event: { id, status: 'duplicate', position: positionOf(stored), stream, revision: Number(stored.revision) } });
      } else {
        slots.push({ kind: 'write', claim: claim === undefined, write: writes++ });
      }
    }

    if (writes > 0) {
      const conflict = revisionConflict(request, tail ? tailRevision : undefined);
      if (conflict) return conflict;
      const written = await this.claimAndWrite(request, slots, digests, { revision: tailRevision, hash: tail ? hashOf(tail) : GENESIS_HASH }, recordedAt);
      if (written === CONFLICT) return CONFLICT;
      slots.forEach((slot, index) => {
        if (slot.kind !== 'write') return;
        const { position, revision } = written[slot.write]!;
        slots[index] = { kind: 'stored', event: { id: events[index]!.envelope.id, status: 'appended', position, stream, revision } };
      });
    }

    const outcomes = slots.map((slot) => outcomeOf(slot, slots));
    await this.recordReceipts(
      outcomes.flatMap((outcome, index) => (outcome.status === 'duplicate' ? [{ id: outcome.id, transport: events[index]!.transport }] : [])),
      recordedAt,
    );
    return { ok: true, events: outcomes };
  }

  private async claimAndWrite(
    request: AppendRequest,
    slots: readonly Slot[],
    digests: readonly string[],
    tail: { revision: number; hash: string },
    recordedAt: string,
  ): Promise<Array<{ position: Position; revision: number }> | typeof CONFLICT> {
    const { stream, events } = request;
    const toWrite = slots.flatMap((slot, index) => (slot.kind === 'write' ? [{ index, claim: slot.claim }] : []));
    const won = await Promise.all(
      toWrite
        .filter((w) => w.claim)
        .map(({ index }) =>
          this.claims.claim({ id: events[index]!.envelope.id, stream, contentDigest: digests[index]!, floor: tail.revision, claimedAt: recordedAt }),
        ),
    );
    if (won.includes(false)) return CONFLICT;

    let prevHash = tail.hash;
    const chained: ChainedEvent[] = toWrite.map(({ index }, k) => {
      const { envelope, transport } = events[index]!;
      const fields = { ...envelope, stream, revision: tail.revision + 1 + k, recordedAt, transport };
      const hash = chainHash(prevHash, fields);
      const event = { fields, contentDigest: digests[index]!, prevHash, hash };
      prevHash = hash;
      return event;
    });
    try {
      const result = await this.client.appendToStream(
        this.names.stream(stream),
        chained.map((event) => toKurrentEvent(event, eventUuidOf(event.fields.id, this.names.namespace))),
        { expectedRevision: tail.revision < 0 ? NO_STREAM : BigInt(tail.revision) },
      );
      // Only a client built with throwOnAppendFailure=false answers a conflict this way instead of throwing.
      if (!result.success) return CONFLICT;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return CONFLICT;
      throw error;
    }
    const readBack = await readStreamRecords(this.client, this.names.stream(stream), {
      fromRevision: BigInt(tail.revision + 1),
      maxCount: chained.length,
    });
    const ours = readBack.length === chained.length && readBack.every((r, k) => isConcordRecord(r) && hashOf(r) === chained[k]!.hash);
    if (!ours) return CONFLICT;
    return readBack.map((record) => ({ position: positionOf(record), revision: Number(record.revision) }));
  }

  private async idReused(id: string, claim: IdClaim): Promise<AppendResult> {
    const stored = await this.claims.locate(claim);
    return {
      ok: false,
      reason: 'id-reused-with-different-content',
      eventId: id,
      // Revision -1 at position 0: the id is claimed by a write that never completed (see docs/ARCHITECTURE.md).
      existing: stored
        ? { position: positionOf(stored), stream: claim.stream, revision: Number(stored.revision) }
        : { position: 0, stream: claim.stream, revision: -1 },
    };
  }

  private idReusedWithinRequest(id: string, stream: string, first: Slot, tailRevision: number): AppendResult {
    const existing =
      first.kind === 'stored'
        ? { position: first.event.position, stream, revision: first.event.revision }
        : { position: 0, stream, revision: first.kind === 'write' ? tailRevision + 1 + first.write : -1 };
    return { ok: false, reason: 'id-reused-with-different-content', eventId: id, existing };
  }

  private async recordReceipts(duplicates: ReadonlyArray<{ id: string; transport: Transport }>, receivedAt: string): Promise<void> {
    await Promise.all(
      duplicates.map(({ id, transport }) =>
        this.client.appendToStream(this.names.receipts(id), jsonEvent({ type: DUPLICATE_RECEIVED, data: { receivedAt, transport } }), {
          expectedRevision: ANY,
        }),
      ),
    );
  }

  private concordEventOf(record: KurrentRecord): StoredEvent | undefined {
    const stream = this.names.concordStream(record.streamId);
    return stream !== undefined && isConcordRecord(record) ? toStoredEvent(record, stream) : undefined;
  }

  /**
   * Server-side filter on stream names: no system streams (`$…`, which also
   * holds this hub's id claims, receipts and heartbeats) and, with a
   * namespace, only its streams. `excludeSystemEvents()` filters on event
   * types instead and would let the bookkeeping events through.
   */
  private subscriptionFilter(): Filter {
    return this.names.namespace === ''
      ? streamNameFilter({ regex: '^[^$]' })
      : streamNameFilter({ prefixes: [this.names.stream('')] });
  }

  /** Runs appends to one stream one after another within this process. */
  private serialized<T>(stream: string, task: () => Promise<T>): Promise<T> {
    const previous = this.streamQueues.get(stream) ?? Promise.resolve();
    const run = previous.then(task);
    const done = run.then(
      () => undefined,
      () => undefined,
    );
    this.streamQueues.set(stream, done);
    void done.then(() => {
      if (this.streamQueues.get(stream) === done) this.streamQueues.delete(stream);
    });
    return run;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async reading<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw unavailable(error, 'read from');
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the event store is closed');
  }
}

function outcomeOf(slot: Slot, slots: readonly Slot[]): AppendedEvent {
  if (slot.kind === 'stored') return slot.event;
  if (slot.kind === 'twin') return { ...outcomeOf(slots[slot.of]!, slots), status: 'duplicate' };
  throw new Error('an event was neither stored nor written');
}

function isAfter(position: KurrentPosition, than: KurrentPosition): boolean {
  return position.commit > than.commit || (position.commit === than.commit && position.prepare > than.prepare);
}

/** Client failures (server down, timeouts, not leader…) become 503s; anything else is a bug and stays what it is. */
function unavailable(error: unknown, action: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof Error && isCommandError(error)) {
    return new StoreUnavailableError(`could not ${action} KurrentDB: ${error.message}`, { cause: error });
  }
  return error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
