import type { FieldError, RejectionReason } from '@concord/contracts';
import type { Transport } from '@concord/event-store';

/** One candidate event as it arrived, with how it arrived. */
export interface IngestItem {
  readonly payload: unknown;
  readonly transport: Transport;
}

export type IngestResult =
  | {
      readonly index: number;
      readonly id: string;
      readonly status: 'appended' | 'duplicate';
      readonly position: number;
      readonly stream: string;
      readonly revision: number;
    }
  | {
      readonly index: number;
      readonly id?: string;
      readonly status: 'rejected';
      readonly reason: RejectionReason;
      readonly message: string;
      readonly errors: readonly FieldError[];
      readonly quarantineId: string;
    };

/**
 * Validate, deduplicate and durably record these items. Shared by every
 * transport (HTTP, Kafka, webhooks), so they cannot drift apart.
 */
export class IngestEventsCommand {
  constructor(readonly items: readonly IngestItem[]) {}
}
