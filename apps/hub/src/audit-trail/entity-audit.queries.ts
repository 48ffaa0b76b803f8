import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { streamNameOf, type ActorRef, type ContractRegistry, type SubjectRef } from '@concord/contracts';
import { EVENT_STORE, type DuplicateReceipt, type EventStore, type Transport } from '@concord/event-store';
import type { PointInTime } from '../entities/entities.queries';
import { entityKey, reportStyleFrom } from '../entities/entity-view';
import { KEY_VAULT, type KeyVault } from '@concord/personal-data';
import { prepareForReading } from '../projections/projections.service';
import { CONTRACT_REGISTRY } from '../storage/storage.module';
import { entityHistory, stepChanges, type HistoryOutcome, type HistoryStep } from './entity-history';
import { credentialOf, reasonOf } from './event-facts';
import type { FieldChange } from './field-diff';
import { FieldTracer, type FieldLineage } from './field-lineage';
import { streamEvents, untilBound } from './stream-events';

export class GetEntityHistoryQuery {
  constructor(
    readonly subject: SubjectRef,
    readonly page: { readonly limit: number; readonly fromRevision: number },
    readonly bounds: { readonly since?: Date; readonly until: PointInTime },
  ) {}
}

export class GetFieldLineageQuery {
  constructor(
    readonly subject: SubjectRef,
    readonly field: string,
    readonly chainLimit: number,
    readonly until: PointInTime,
  ) {}
}

/** One event in an entity's audit trail: who, what, when, why, and via what. */
export interface AuditTrailEntry {
  readonly event: { readonly id: string; readonly type: string; readonly schemaVersion: number; readonly position: number; readonly revision: number; readonly hash: string };
  readonly who: { readonly actor: ActorRef | null };
  readonly what: { readonly outcome: HistoryOutcome; readonly note?: string; readonly changes: readonly FieldChange[]; readonly sourceChanges: readonly FieldChange[] };
  readonly when: { readonly occurredAt: string; readonly recordedAt: string };
  readonly why: { readonly reason: string | null; readonly causationId: string | null; readonly correlationId: string | null };
  readonly via: { readonly source: string; readonly credential: string | null; readonly transport: Transport };
  readonly duplicates: { readonly count: number; readonly receipts: ReadonlyArray<DuplicateReceipt & { readonly credential: string | null }> };
}

export interface EntityHistoryPage {
  readonly subject: SubjectRef;
  readonly stream: string;
  readonly events: readonly AuditTrailEntry[];
  /** Revision the next page starts at, when there is one. */
  readonly nextRevision?: number;
}

function entryOf(step: HistoryStep, duplicates: readonly DuplicateReceipt[]): AuditTrailEntry {
  const { event } = step;
  return {
    event: { id: event.id, type: event.type, schemaVersion: event.schemaVersion, position: event.position, revision: event.revision, hash: event.hash },
    who: { actor: event.actor ?? null },
    what: { outcome: step.outcome, ...(step.note ? { note: step.note } : {}), ...stepChanges(step) },
    when: { occurredAt: event.occurredAt, recordedAt: event.recordedAt },
    why: { reason: reasonOf(event), causationId: event.causationId ?? null, correlationId: event.correlationId ?? null },
    via: { source: event.source, credential: credentialOf(event.transport), transport: event.transport },
    duplicates: { count: duplicates.length, receipts: duplicates.map((receipt) => ({ ...receipt, credential: credentialOf(receipt.transport) })) },
  };
}

abstract class EntityAuditHandler {
  constructor(
    protected readonly store: EventStore,
    protected readonly registry: ContractRegistry,
    protected readonly keys: KeyVault,
  ) {}

  /** Every history step of the entity up to the bound; 404 when the log holds nothing about it. */
  protected async *history(subject: SubjectRef, until: PointInTime): AsyncGenerator<HistoryStep> {
    const stream = streamNameOf(subject);
    if ((await this.store.readStream(stream, { limit: 1 })).length === 0) {
      throw new NotFoundException(`no ${subject.type} ${JSON.stringify(subject.id)} is known`);
    }
    const events = untilBound(streamEvents(this.store, stream, prepareForReading(this.registry, this.keys)), until);
    yield* entityHistory(events, reportStyleFrom(this.registry));
  }
}

@QueryHandler(GetEntityHistoryQuery)
export class GetEntityHistoryHandler extends EntityAuditHandler implements IQueryHandler<GetEntityHistoryQuery, EntityHistoryPage> {
  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(CONTRACT_REGISTRY) registry: ContractRegistry, @Inject(KEY_VAULT) keys: KeyVault) {
    super(store, registry, keys);
  }

  /** Folds from the stream's start (the view before each event depends on all earlier ones) and keeps one page. */
  async execute({ subject, page, bounds }: GetEntityHistoryQuery): Promise<EntityHistoryPage> {
    const steps: HistoryStep[] = [];
    let nextRevision: number | undefined;
    for await (const step of this.history(subject, bounds.until)) {
      if (step.event.revision < page.fromRevision) continue;
      if (bounds.since && Date.parse(step.event.recordedAt) < bounds.since.getTime()) continue;
      if (steps.length === page.limit) {
        nextRevision = step.event.revision;
        break;
      }
      steps.push(step);
    }
    const events: AuditTrailEntry[] = [];
    for (const step of steps) events.push(entryOf(step, await this.store.duplicateReceipts(step.event.id)));
    return { subject, stream: streamNameOf(subject), events, ...(nextRevision !== undefined ? { nextRevision } : {}) };
  }
}

export interface FieldLineageAnswer extends FieldLineage {
  readonly subject: SubjectRef;
  /** How many times the merged value changed in all; `chain` holds the newest `chainLimit` of them. */
  readonly changes: number;
}

@QueryHandler(GetFieldLineageQuery)
export class GetFieldLineageHandler extends EntityAuditHandler implements IQueryHandler<GetFieldLineageQuery, FieldLineageAnswer> {
  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(CONTRACT_REGISTRY) registry: ContractRegistry, @Inject(KEY_VAULT) keys: KeyVault) {
    super(store, registry, keys);
  }

  async execute({ subject, field, chainLimit, until }: GetFieldLineageQuery): Promise<FieldLineageAnswer> {
    const tracer = new FieldTracer(field);
    for await (const step of this.history(subject, until)) tracer.observe(step);
    const lineage = tracer.result();
    if (lineage.chain.length === 0 && lineage.notApplied.length === 0) {
      throw new NotFoundException(`no source reported the field ${JSON.stringify(field)} of ${entityKey(subject)}${until ? ' by then' : ''}`);
    }
    return { subject, ...lineage, changes: lineage.chain.length, chain: lineage.chain.slice(0, chainLimit) };
  }
}
