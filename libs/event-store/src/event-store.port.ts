import type { EventEnvelope } from '@concord/contracts';

/**
 * A position in the global log. Opaque to callers except for ordering: the
 * embedded store numbers events 1, 2, 3… without gaps; other adapters may map
 * their own log positions onto increasing numbers. 0 means "before the first event".
 */
export type Position = number;
export const START: Position = 0;

/** How a delivery reached the hub; recorded with the event and with every duplicate. */
export type Transport =
  | { readonly kind: 'http'; readonly requestId: string; readonly credential?: string }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string; readonly credential?: string }
  | { readonly kind: 'webhook'; readonly requestId: string; readonly webhookId: string; readonly credential?: string }
  | { readonly kind: 'internal'; readonly component: string }
  /** Re-submitted from the quarantine by an operator (the entry keeps the original delivery). */
  | { readonly kind: 'replay'; readonly quarantineId: string; readonly credential?: string };

export interface NewEvent {
  readonly envelope: EventEnvelope;
  readonly transport: Transport;
}

/** An event as the log holds it: the producer's envelope plus what the hub added. */
export interface StoredEvent extends EventEnvelope {
  readonly position: Position;
  readonly stream: string;
  readonly revision: number;
  readonly recordedAt: string;
  readonly transport: Transport;
  readonly prevHash: string;
  readonly hash: string;
}

/** `any`: no check; `no-stream`: the stream must not exist; a number: the stream's last revision must be exactly that. */
export type ExpectedRevision = 'any' | 'no-stream' | number;

export interface AppendRequest {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendedEvent {
  readonly id: string;
  /** `duplicate`: this id was stored before with the same content; nothing new was written. */
  readonly status: 'appended' | 'duplicate';
  readonly position: Position;
  readonly stream: string;
  readonly revision: number;
}

export type AppendResult =
  | { readonly ok: true; readonly events: readonly AppendedEvent[] }
  | {
      readonly ok: false;
      readonly reason: 'wrong-expected-revision';
      readonly expected: ExpectedRevision;
      /** -1 when the stream does not exist. */
      readonly actual: number;
    }
  | {
      readonly ok: false;
      readonly reason: 'id-reused-with-different-content';
      readonly eventId: string;
      readonly existing: { readonly position: Position; readonly stream: string; readonly revision: number };
    };

/** One later delivery of an already-stored event (a retry or a redelivery). */
export interface DuplicateReceipt {
  readonly receivedAt: string;
  readonly transport: Transport;
}

export interface ReadStreamOptions {
  readonly fromRevision?: number;
  readonly toRevision?: number;
  readonly limit?: number;
}

export interface ReadAllOptions {
  /** Exclusive: read events after this position. */
  readonly after?: Position;
  readonly limit?: number;
}

export interface SubscribeOptions {
  /** Exclusive: deliver events after this position (catch-up, then live). */
  readonly after?: Position;
  readonly batchSize?: number;
}

/** Catch-up-then-live feed of the global log in position order. */
export interface Subscription<T = StoredEvent> extends AsyncIterable<readonly T[]> {
  close(): void;
}

/**
 * The event log. Appends are atomic per request and idempotent per event id,
 * forever; an accepted promise means the write is durable.
 */
export interface EventStore {
  /** Appends several independent requests (one group commit); each succeeds or fails on its own. */
  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]>;
  append(request: AppendRequest): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  subscribe(options?: SubscribeOptions): Subscription;
  getEvent(id: string): Promise<StoredEvent | undefined>;
  duplicateReceipts(id: string): Promise<DuplicateReceipt[]>;
  headPosition(): Promise<Position>;
  /** Resolves when the log can durably take a write right now; rejects with the reason otherwise. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

/** One group commit, as an adapter that batches writes reports it. */
export interface CommitStats {
  readonly requests: number;
  readonly events: number;
  readonly seconds: number;
}

/**
 * Optional, for operations: what an adapter with a write queue can tell about
 * it (metrics, backpressure). Adapters without one simply do not implement it.
 */
export interface EventStoreTelemetry {
  /** Events handed to `appendMany` and not yet committed or failed. */
  pendingEvents(): number;
  /** Called after every successful commit; returns an unsubscribe function. */
  onCommit(listener: (commit: CommitStats) => void): () => void;
}

export function hasTelemetry(store: EventStore): store is EventStore & EventStoreTelemetry {
  const candidate = store as Partial<EventStoreTelemetry>;
  return typeof candidate.pendingEvents === 'function' && typeof candidate.onCommit === 'function';
}

/** Where an event sits in the log and the chain hash stored with it: all the log digest folds. */
export interface PositionedHash {
  readonly position: Position;
  readonly hash: string;
}

/**
 * Optional: the stored hashes in log order, without reading whole events. The sealer folds
 * nothing else; reading, parsing and re-checking every event only to keep its hash cost the
 * ingest process about a sixth of its main thread. Verification never uses this: it recomputes
 * every hash from the stored bytes.
 */
export interface EventHashFeed {
  readHashes(options?: ReadAllOptions): Promise<PositionedHash[]>;
  /** Catch-up, then live, like `subscribe`. */
  subscribeToHashes(options?: SubscribeOptions): Subscription<PositionedHash>;
}

export function hasHashFeed(store: EventStore): store is EventStore & EventHashFeed {
  const candidate = store as Partial<EventHashFeed>;
  return typeof candidate.readHashes === 'function' && typeof candidate.subscribeToHashes === 'function';
}
