import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { streamNameOf, type ContractRegistry, type SubjectRef } from '@concord/contracts';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { READ_MODEL_STORE, type DocumentPage, type DocumentQuery, type ReadModelStore } from '@concord/projections';
import { QUARANTINE_STORE, type QuarantineStore } from '@concord/quarantine';
import { KEY_VAULT, type KeyVault } from '@concord/personal-data';
import { prepareForReading } from '../projections/projections.service';
import { CONTRACT_REGISTRY } from '../storage/storage.module';
import { entityKey, foldEntityView, reportStyleFrom, type EntityView } from './entity-view';
import { ENTITIES } from './entity-view.projection';

/** `asOf` (recorded time) or `atPosition` (global log position): fold the stream up to then. */
export type PointInTime = { readonly asOf: Date } | { readonly atPosition: number } | undefined;

export class GetEntityQuery {
  constructor(
    readonly subject: SubjectRef,
    readonly at: PointInTime,
  ) {}
}

export class ListEntitiesQuery {
  constructor(readonly query: DocumentQuery) {}
}

export class GetEntitySyncQuery {
  constructor(readonly subject: SubjectRef) {}
}

@QueryHandler(GetEntityQuery)
export class GetEntityHandler implements IQueryHandler<GetEntityQuery, EntityView> {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONTRACT_REGISTRY) private readonly registry: ContractRegistry,
    @Inject(KEY_VAULT) private readonly keys: KeyVault,
  ) {}

  async execute({ subject, at }: GetEntityQuery): Promise<EntityView> {
    const view = at ? await this.fold(subject, at) : ((await this.readModels.get(ENTITIES, entityKey(subject))) as EntityView | undefined);
    if (!view) {
      const when = at ? ` at ${'asOf' in at ? at.asOf.toISOString() : `position ${at.atPosition}`}` : '';
      throw new NotFoundException(`no ${subject.type} ${JSON.stringify(subject.id)} is known${when}`);
    }
    return view;
  }

  /** Time travel: the same fold the live projection runs, over the stream's events up to the point asked for. */
  private async fold(subject: SubjectRef, at: NonNullable<PointInTime>): Promise<EntityView | undefined> {
    const prepare = prepareForReading(this.registry, this.keys);
    const reportStyle = reportStyleFrom(this.registry);
    const events = (await this.store.readStream(streamNameOf(subject))).map(prepare);
    return foldEntityView(events, reportStyle, (event) =>
      'asOf' in at ? Date.parse(event.recordedAt) <= at.asOf.getTime() : event.position <= at.atPosition,
    );
  }
}

@QueryHandler(ListEntitiesQuery)
export class ListEntitiesHandler implements IQueryHandler<ListEntitiesQuery, DocumentPage> {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore) {}

  execute({ query }: ListEntitiesQuery): Promise<DocumentPage> {
    return this.readModels.query(ENTITIES, query);
  }
}

export interface SourceSyncStatus {
  readonly source: string;
  readonly lastReportedAt: string;
  readonly lastOccurredAt: string;
  readonly lastEventId: string;
  readonly events: number;
  readonly staleEvents: number;
  /** Open quarantine entries from this source about this entity: reports that did not get in. */
  readonly quarantined: number;
  readonly quarantineIds: readonly string[];
}

@QueryHandler(GetEntitySyncQuery)
export class GetEntitySyncHandler implements IQueryHandler<GetEntitySyncQuery> {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
  ) {}

  async execute({ subject }: GetEntitySyncQuery) {
    const view = (await this.readModels.get(ENTITIES, entityKey(subject))) as EntityView | undefined;
    const quarantined = await this.quarantine.list({ subject, status: 'open', limit: 500 });
    if (!view && quarantined.items.length === 0) throw new NotFoundException(`no ${subject.type} ${JSON.stringify(subject.id)} is known`);
    const sources = new Set([...Object.keys(view?.sources ?? {}), ...quarantined.items.map((q) => q.source ?? 'unknown')]);
    const perSource: SourceSyncStatus[] = [...sources].sort().map((source) => {
      const seen = view?.sources[source];
      const held = quarantined.items.filter((q) => (q.source ?? 'unknown') === source);
      return {
        source,
        lastReportedAt: seen?.lastSeenAt ?? '',
        lastOccurredAt: seen?.lastOccurredAt ?? '',
        lastEventId: seen?.lastEventId ?? '',
        events: seen?.events ?? 0,
        staleEvents: seen?.staleEvents ?? 0,
        quarantined: held.length,
        quarantineIds: held.map((q) => q.id),
      };
    });
    return { subject, lastEventAt: view?.lastEventAt, sources: perSource };
  }
}
