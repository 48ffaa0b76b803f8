import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { ActorRef, ContractRegistry, SubjectRef } from '@concord/contracts';
import { EVENT_STORE, type EventStore, type Transport } from '@concord/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from '@concord/projections';
import { KEY_VAULT, type KeyVault } from '@concord/personal-data';
import { prepareForReading } from '../projections/projections.service';
import { CONTRACT_REGISTRY } from '../storage/storage.module';
import { AUDIT_FLOWS, FLOW_STEPS, flowStepKey, flowStepPrefix, FLOWS, type FlowStep, type FlowSummary } from './audit-flows.projection';
import { credentialOf, reasonOf } from './event-facts';

export class GetFlowQuery {
  constructor(
    readonly correlationId: string,
    readonly page: { readonly limit: number; readonly afterPosition?: number },
    readonly gapMs: number,
  ) {}
}

/** One step of a flow: the event in brief, and how long the flow waited for it. */
export interface FlowStepView {
  readonly step: number;
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  readonly subject: SubjectRef;
  readonly source: string;
  readonly actor: ActorRef | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly sincePreviousMs: number | null;
  readonly occurredSincePreviousMs: number | null;
  /** The pause before this step (hub time) exceeded the gap threshold. */
  readonly gap: boolean;
  readonly reason: string | null;
  readonly causationId: string | null;
  readonly credential: string | null;
  readonly transport: Transport;
}

/** The flow's summary (steps, first/last position and times, entities, sources) and one page of its steps. */
export interface FlowPage extends FlowSummary {
  readonly durationMs: number;
  readonly gapThresholdMs: number;
  /** The flow index has applied the log up to here; later events of the flow show up once it catches up. */
  readonly indexedThrough: number;
  readonly items: readonly FlowStepView[];
  readonly nextPosition?: number;
}

@QueryHandler(GetFlowQuery)
export class GetFlowHandler implements IQueryHandler<GetFlowQuery, FlowPage> {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONTRACT_REGISTRY) private readonly registry: ContractRegistry,
    @Inject(KEY_VAULT) private readonly keys: KeyVault,
  ) {}

  async execute({ correlationId, page, gapMs }: GetFlowQuery): Promise<FlowPage> {
    const indexedThrough = (await this.readModels.checkpoint(AUDIT_FLOWS))?.position ?? 0;
    const summary = (await this.readModels.get(FLOWS, correlationId)) as FlowSummary | undefined;
    if (!summary) throw new NotFoundException(`no flow with correlationId ${JSON.stringify(correlationId)} (indexed through log position ${indexedThrough})`);
    const found = await this.readModels.query(FLOW_STEPS, {
      keyPrefix: flowStepPrefix(correlationId),
      orderBy: { path: '', direction: 'asc' },
      limit: page.limit,
      ...(page.afterPosition !== undefined ? { after: { value: null, key: flowStepKey(correlationId, page.afterPosition) } } : {}),
    });
    const prepare = prepareForReading(this.registry, this.keys);
    const items: FlowStepView[] = [];
    for (const { doc } of found.items) {
      const step = doc as unknown as FlowStep;
      const stored = await this.store.getEvent(step.eventId);
      // The index is derived from the log: an entry without its event means the two disagree, which must never pass quietly.
      if (!stored) throw new Error(`audit-flows index names event ${JSON.stringify(step.eventId)} at position ${step.position}, which the log does not hold; rebuild the projection`);
      const event = await prepare(stored);
      items.push({
        step: step.step,
        position: step.position,
        eventId: event.id,
        type: event.type,
        subject: event.subject,
        source: event.source,
        actor: event.actor ?? null,
        occurredAt: event.occurredAt,
        recordedAt: event.recordedAt,
        sincePreviousMs: step.sincePreviousMs,
        occurredSincePreviousMs: step.occurredSincePreviousMs,
        gap: step.sincePreviousMs !== null && step.sincePreviousMs > gapMs,
        reason: reasonOf(event),
        causationId: event.causationId ?? null,
        credential: credentialOf(event.transport),
        transport: event.transport,
      });
    }
    const last = items[items.length - 1];
    return {
      ...summary,
      durationMs: Date.parse(summary.lastRecordedAt) - Date.parse(summary.firstRecordedAt),
      gapThresholdMs: gapMs,
      indexedThrough,
      items,
      ...(found.hasMore && last ? { nextPosition: last.position } : {}),
    };
  }
}
