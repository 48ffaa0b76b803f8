import type { IngestResult } from '@concord/contracts';
import type { Transport } from '@concord/event-store';

// The per-event verdict is part of the wire contract (libs/contracts); re-exported for the hub's modules.
export type { IngestRejectionReason, IngestResult } from '@concord/contracts';

/** One candidate event as it arrived, with how it arrived. */
export interface IngestItem {
  readonly payload: unknown;
  readonly transport: Transport;
  /** The sources the sender may publish for (a connector key's grant); undefined: any source. */
  readonly allowedSources?: readonly string[];
  /**
   * Set when a quarantined item is replayed: a refusal is reported against that
   * entry (the replay records it) instead of opening a second quarantine entry.
   */
  readonly replayOf?: string;
  /**
   * What to keep in quarantine if the item is refused, when the payload was
   * derived from another input (a webhook's body and signature headers), so a
   * replay can start again from what was really received.
   */
  readonly original?: { readonly raw: string; readonly headers?: Readonly<Record<string, string>> };
}

/**
 * Validate, deduplicate and durably record these items. Shared by every
 * transport (HTTP, Kafka, webhooks, quarantine replay), so they cannot drift apart.
 */
export class IngestEventsCommand {
  constructor(readonly items: readonly IngestItem[]) {}
}

/** Told about every ingestion once it is decided (metrics, status, logs); must not throw. */
export interface IngestObserver {
  observe(outcome: { readonly items: readonly IngestItem[]; readonly results: readonly IngestResult[]; readonly appendSeconds: number }): void;
}

export const INGEST_OBSERVER = Symbol('IngestObserver');
