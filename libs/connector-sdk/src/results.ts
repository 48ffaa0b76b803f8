import type { EventEnvelope, IngestResult } from '@concord/contracts';

/** The hub stored the event (`appended`) or had it already (`duplicate`): done, over HTTP. */
export type StoredResult = Extract<IngestResult, { status: 'appended' | 'duplicate' }>;

/** The hub refused the event and keeps it in quarantine; sending it again will not help. */
export type RejectedResult = Extract<IngestResult, { status: 'rejected' }> & { readonly id: string };

/** Kafka holds the event durably (acks from all in-sync replicas); the hub ingests it from there. */
export interface AcceptedResult {
  readonly index: number;
  readonly id: string;
  readonly status: 'accepted';
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export type FailureReason =
  /** The key was refused (401) or may not publish here (403): fix the credentials. */
  | 'unauthorized'
  | 'forbidden'
  /** The hub refused the request as a whole (400, 413, 415) or the event cannot fit in a request. */
  | 'request-refused'
  /** Every attempt met an outage: 429/5xx, a network error, a timeout or an answer that could not be read. */
  | 'unavailable'
  /** The Kafka producer gave up. */
  | 'kafka-error';

/**
 * Not delivered. `retriable: true` means publishing the same envelope later is
 * safe and may succeed: its id is stable, so an earlier copy that did arrive
 * unnoticed turns into `duplicate`, never a second event.
 */
export interface FailedResult {
  readonly index: number;
  readonly id: string;
  readonly status: 'failed';
  readonly reason: FailureReason;
  readonly message: string;
  readonly attempts: number;
  readonly retriable: boolean;
}

export type PublishResult = StoredResult | RejectedResult | AcceptedResult | FailedResult;

/** One result per envelope, in input order (`results[i].index === i`). */
export interface EventPublisher {
  publish(events: readonly EventEnvelope<object>[]): Promise<PublishResult[]>;
  close(): Promise<void>;
}

/** Counts results by status, for logs and summaries. */
export function countByStatus(results: readonly PublishResult[]): Record<PublishResult['status'], number> {
  const counts = { appended: 0, duplicate: 0, rejected: 0, accepted: 0, failed: 0 };
  for (const result of results) counts[result.status]++;
  return counts;
}

/** Events held back after an earlier batch failed: same reason, no attempt made. */
export function notSent(offset: number, events: readonly EventEnvelope<object>[], cause: FailedResult): FailedResult[] {
  const message = `not sent: an earlier batch failed (${cause.message})`;
  return events.map((event, i) => failed(offset + i, event.id, cause.reason, message, 0, cause.retriable));
}

export function failed(index: number, id: string, reason: FailureReason, message: string, attempts: number, retriable: boolean): FailedResult {
  return { index, id, status: 'failed', reason, message, attempts, retriable };
}
