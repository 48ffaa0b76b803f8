import type { FieldError, RejectionReason } from '@concord/contracts';
import type { Transport } from '@concord/event-store';

/** Refusals that happen before an item is even a candidate event. */
export type QuarantineReason =
  | RejectionReason
  | 'malformed-json'
  /** The body's media type is not JSON. */
  | 'unsupported-media-type'
  /** A body whose batch shape cannot be answered item by item (empty, not an array, extra keys, over 1,000). */
  | 'invalid-batch'
  /** A connector key sent an event for a source it is not granted. */
  | 'source-not-allowed'
  /** A webhook whose signature headers were missing, malformed or matched no configured secret. */
  | 'bad-signature'
  /** A signed webhook whose timestamp was too far from the hub's clock. */
  | 'stale-webhook'
  /** A verified webhook that the source's mapping could not turn into an event. */
  | 'webhook-mapping-failed';

/** One replay of a quarantined item: who tried, when, with what, and what came of it. */
export interface ReplayAttempt {
  readonly id: string;
  readonly at: string;
  /** The credential (API key id) that asked for the replay. */
  readonly by: string;
  readonly outcome: 'appended' | 'duplicate' | 'rejected';
  /** The corrected payload an admin submitted instead of the stored input, when there was one. */
  readonly correctedPayload?: string;
  readonly eventId?: string;
  readonly position?: number;
  readonly reason?: string;
  readonly message?: string;
  /** Id of the `quarantine.replayed` event that records this attempt in the log. */
  readonly auditEventId?: string;
}

export interface QuarantineStats {
  readonly open: number;
  readonly resolved: number;
  /** Entries first seen at or after `since`. */
  readonly newSince: number;
  /** Entries resolved at or after `since`. */
  readonly resolvedSince: number;
}

export type QuarantineStatus = 'open' | 'resolved';

/** A refused input, kept raw with why it was refused, so it can be fixed and replayed. */
export interface QuarantineEntry {
  readonly id: string;
  readonly reason: QuarantineReason;
  readonly message: string;
  readonly errors: readonly FieldError[];
  /** The input exactly as received (JSON text, or the raw body when it was not JSON). */
  readonly raw: string;
  readonly source?: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly transport: Transport;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  /** How many times this same input was refused for this same reason. */
  readonly attempts: number;
  readonly status: QuarantineStatus;
  /** Request headers kept for replay (e.g. webhook-id, webhook-timestamp, webhook-signature); never credentials. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly resolvedAt?: string;
  /** Replays, oldest first. */
  readonly replays: readonly ReplayAttempt[];
}

export interface QuarantineInput {
  readonly reason: QuarantineReason;
  readonly message: string;
  readonly errors?: readonly FieldError[];
  readonly raw: string;
  readonly source?: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly transport: Transport;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface QuarantineFilter {
  readonly source?: string;
  readonly reason?: string;
  readonly since?: string;
  readonly status?: QuarantineStatus;
  readonly eventId?: string;
  /** Entries whose raw input names this subject. */
  readonly subject?: { readonly type: string; readonly id: string };
  readonly limit?: number;
  /** Opaque: the `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface QuarantinePage {
  readonly items: QuarantineEntry[];
  readonly nextCursor?: string;
}

export interface QuarantineStore {
  /**
   * Keeps each input durably; the same input refused again for the same reason
   * bumps `attempts` (and reopens the entry if it had been resolved).
   */
  recordMany(inputs: readonly QuarantineInput[]): Promise<QuarantineEntry[]>;
  list(filter?: QuarantineFilter): Promise<QuarantinePage>;
  get(id: string): Promise<QuarantineEntry | undefined>;
  countOpen(): Promise<number>;
  /**
   * Adds a replay attempt to the entry's history; an `appended` or `duplicate`
   * outcome marks it resolved. Entries are never deleted. Undefined when no such entry.
   */
  recordReplay(id: string, attempt: ReplayAttempt): Promise<QuarantineEntry | undefined>;
  stats(since: string): Promise<QuarantineStats>;
  /**
   * An erasure reaching the quarantine: every kept input that is one JSON event
   * about the subject (and every corrected payload replayed for such an entry)
   * is rewritten by `erase`; entries stay, with their reason and history.
   * Inputs that do not say which subject they are about (not JSON, whole
   * refused batches, webhook bodies) cannot be found this way. Returns how many
   * entries changed.
   */
  eraseSubject(subject: { readonly type: string; readonly id: string }, erase: (input: Record<string, unknown>) => Record<string, unknown>): Promise<number>;
}

export const QUARANTINE_STORE = Symbol('QuarantineStore');
