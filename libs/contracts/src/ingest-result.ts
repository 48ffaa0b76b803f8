import type { RejectionReason } from './check-envelope';
import type { FieldError } from './field-errors';

/** Contract refusals, a key publishing for a source it is not granted, and webhooks that cannot become an envelope. */
export type IngestRejectionReason = RejectionReason | 'source-not-allowed' | 'malformed-json' | 'webhook-mapping-failed';

/**
 * The hub's verdict on one submitted event: what POST /v1/events answers per
 * item, and what every other transport gets. Here, beside the envelope, because
 * producers (the connector SDK) read it as much as the hub writes it.
 */
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
      readonly reason: IngestRejectionReason;
      readonly message: string;
      readonly errors: readonly FieldError[];
      readonly quarantineId: string;
    };
