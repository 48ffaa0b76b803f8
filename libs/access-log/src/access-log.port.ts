/** One call to an audit endpoint: who read what, when, from where, and how it ended. */
export interface AccessRecordInput {
  readonly at: string;
  /** The API key id of the caller, or `anonymous` when the request carried none. */
  readonly principal: string;
  readonly role?: string;
  readonly requestId: string;
  readonly ip: string;
  readonly method: string;
  /** The route pattern that answered (`/v1/audit/entities/:type/:id`); absent when no route matched. */
  readonly route?: string;
  /** What was asked for: path and query string as received. */
  readonly url: string;
  readonly status: number;
}

export interface AccessRecord extends AccessRecordInput {
  /** Increasing, never reused: the order in which calls were recorded. */
  readonly seq: number;
}

export interface AccessLogFilter {
  readonly principal?: string;
  /** ISO-8601 instant: records at or after it. */
  readonly since?: string;
  /** Keyset: records with a smaller `seq` than this (the previous page's last). */
  readonly beforeSeq?: number;
  readonly limit: number;
}

export interface AccessLogPage {
  /** Newest first. */
  readonly items: readonly AccessRecord[];
  readonly hasMore: boolean;
}

/**
 * Append-only record of reads of the audit trail. Kept apart from the event log:
 * reading must never write business facts, and audit reads can come at rates
 * the log should not have to carry.
 */
export interface AccessLog {
  record(input: AccessRecordInput): Promise<AccessRecord>;
  list(filter: AccessLogFilter): Promise<AccessLogPage>;
  close(): Promise<void>;
}

export const ACCESS_LOG = Symbol('AccessLog');
