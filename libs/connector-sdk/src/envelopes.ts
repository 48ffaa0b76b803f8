import { createHash } from 'node:crypto';
import {
  checkEnvelope,
  ContractRegistry,
  exampleContracts,
  type ActorRef,
  type ContractDefinition,
  type EventEnvelope,
  type Rejection,
} from '@concord/contracts';

/** The longest id the hub accepts (envelope rule PRINTABLE_ID). */
const MAX_ID_LENGTH = 200;
/** Versions written as they are; any other (one holding `:`, say) is hashed so the last `:` still ends the record id. */
const PLAIN_VERSION = /^[A-Za-z0-9._+-]{1,64}$/;

/**
 * Where an event's idempotency id comes from: the source's own event id when it
 * has one, otherwise the source record's id and version. Either way the same
 * fact gets the same id on every retry, from any process, after any restart.
 */
export type EventIdentity =
  | { readonly eventId: string }
  | {
      /** The source record's id; defaults to the subject id. */
      readonly recordId?: string;
      /** The record's version in the source: a revision counter, an ETag, an updated-at stamp. */
      readonly version: number | string;
    };

/**
 * The idempotency id for version `version` of record `recordId` reported as
 * `type` by `source`: `<source>:<type>:<recordId>:<version>`. Readable when it
 * fits the hub's 200 characters; otherwise `<source>:<type>:sha256:<hex>` over
 * the same parts, which is just as stable (so is a version holding anything
 * but letters, digits and `._+-`). Source names, types and written versions
 * hold no `:`, so two different inputs never share an id.
 */
export function stableEventId(source: string, type: string, recordId: string, version: number | string): string {
  const readable = `${source}:${type}:${recordId}:${String(version)}`;
  if (readable.length <= MAX_ID_LENGTH && PLAIN_VERSION.test(String(version))) return readable;
  const digest = createHash('sha256').update(JSON.stringify([source, type, recordId, String(version)])).digest('hex');
  return `${source}:${type}:sha256:${digest}`;
}

/** What a connector knows about one fact; the contract supplies type, version and subject type. */
export type EnvelopeInput<TData extends object> = EventIdentity & {
  readonly subjectId: string;
  /**
   * When the fact happened in the source, with a zone. Required, never "now":
   * a retry rebuilds the envelope, and a different occurredAt under the same id
   * would be refused by the hub as `id-reused-with-different-content`.
   */
  readonly occurredAt: string;
  readonly data: TData;
  /** Monotonic per source and subject; defaults to `version` when that is a non-negative integer. */
  readonly sourceSequence?: number;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: ActorRef;
};

/** The envelope would be refused by the hub; thrown before anything is sent. */
export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';

  constructor(readonly rejection: Rejection) {
    super(`${rejection.reason}: ${rejection.message}`);
  }
}

/**
 * Builds envelopes for one source system, typed by the contract they follow,
 * and checks each with the hub's own envelope check (the same code path the
 * hub runs), so a connector learns about a bad event where it is made.
 */
export class EnvelopeBuilder {
  private readonly registry: ContractRegistry;
  private readonly check: boolean;

  /**
   * `check: false` skips the per-envelope check, for generators whose output a
   * test has already proven valid (the connector simulator at 200,000 events);
   * the hub checks everything again anyway.
   */
  constructor(
    readonly source: string,
    registry: ContractRegistry = new ContractRegistry(exampleContracts),
    options: { readonly check?: boolean } = {},
  ) {
    this.registry = registry;
    this.check = options.check ?? true;
  }

  build<TData extends object>(contract: ContractDefinition<TData>, input: EnvelopeInput<TData>): EventEnvelope<TData> {
    const id =
      'eventId' in input ? input.eventId : stableEventId(this.source, contract.type, input.recordId ?? input.subjectId, input.version);
    const sourceSequence = input.sourceSequence ?? ('version' in input ? sequenceFromVersion(input.version) : undefined);
    const envelope = {
      id,
      source: this.source,
      type: contract.type,
      schemaVersion: contract.version,
      subject: { type: contract.subjectType, id: input.subjectId },
      occurredAt: input.occurredAt,
      ...(sourceSequence !== undefined ? { sourceSequence } : {}),
      ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
      ...(input.causationId !== undefined ? { causationId: input.causationId } : {}),
      ...(input.actor !== undefined ? { actor: input.actor } : {}),
      data: input.data,
    };
    if (this.check) {
      const verdict = checkEnvelope(this.registry, envelope);
      if (!verdict.ok) throw new InvalidEnvelopeError(verdict.rejection);
    }
    return envelope as EventEnvelope<TData>;
  }
}

function sequenceFromVersion(version: number | string): number | undefined {
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0 ? version : undefined;
}

/** The partition key that keeps one entity's events in order: `subject.type/subject.id`. */
export function subjectKey(envelope: Pick<EventEnvelope, 'subject'>): string {
  return `${envelope.subject.type}/${envelope.subject.id}`;
}
