import type { FieldError, RejectionReason } from '@concord/contracts';
import type { Transport } from '@concord/event-store';

/** Refusals that happen before an item is even a candidate event. */
export type QuarantineReason = RejectionReason | 'malformed-json' | 'unsupported-media-type';

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
}

export interface QuarantineFilter {
  readonly source?: string;
  readonly reason?: string;
  readonly since?: string;
  readonly status?: QuarantineStatus;
  readonly eventId?: string;
  readonly limit?: number;
  /** Opaque: the `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface QuarantinePage {
  readonly items: QuarantineEntry[];
  readonly nextCursor?: string;
}

export interface QuarantineStore {
  /** Keeps each input durably; the same input refused again for the same reason bumps `attempts`. */
  recordMany(inputs: readonly QuarantineInput[]): Promise<QuarantineEntry[]>;
  list(filter?: QuarantineFilter): Promise<QuarantinePage>;
  get(id: string): Promise<QuarantineEntry | undefined>;
  countOpen(): Promise<number>;
}

export const QUARANTINE_STORE = Symbol('QuarantineStore');
