import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { upcastEvent, type ContractRegistry } from '@concord/contracts';
import { EVENT_STORE, type DuplicateReceipt, type EventStore, type StoredEvent } from '@concord/event-store';
import { CONTRACT_REGISTRY } from '../storage/storage.module';

/** `latest`: data read as the newest contract version; `stored`: exactly the bytes the hash covers. */
export type EventView = 'latest' | 'stored';

export class GetEventQuery {
  constructor(
    readonly id: string,
    readonly view: EventView,
  ) {}
}

export class GetStreamQuery {
  constructor(
    readonly stream: string,
    readonly view: EventView,
    readonly fromRevision: number,
    readonly limit: number,
  ) {}
}

export interface EventDetails {
  readonly event: StoredEvent & { readonly storedSchemaVersion?: number };
  /** 1 + the number of later deliveries of the same event. */
  readonly receivedCount: number;
  readonly duplicates: readonly DuplicateReceipt[];
}

function present(registry: ContractRegistry, event: StoredEvent, view: EventView): StoredEvent & { storedSchemaVersion?: number } {
  if (view === 'stored') return event;
  const latest = upcastEvent(registry, event);
  return latest === event ? event : { ...latest, storedSchemaVersion: event.schemaVersion };
}

@QueryHandler(GetEventQuery)
export class GetEventHandler implements IQueryHandler<GetEventQuery, EventDetails> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONTRACT_REGISTRY) private readonly registry: ContractRegistry,
  ) {}

  async execute({ id, view }: GetEventQuery): Promise<EventDetails> {
    const event = await this.store.getEvent(id);
    if (!event) throw new NotFoundException(`no event with id ${JSON.stringify(id)} is stored`);
    const duplicates = await this.store.duplicateReceipts(id);
    return { event: present(this.registry, event, view), receivedCount: 1 + duplicates.length, duplicates };
  }
}

@QueryHandler(GetStreamQuery)
export class GetStreamHandler implements IQueryHandler<GetStreamQuery, { stream: string; events: StoredEvent[]; nextRevision?: number }> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONTRACT_REGISTRY) private readonly registry: ContractRegistry,
  ) {}

  async execute({ stream, view, fromRevision, limit }: GetStreamQuery) {
    const events = await this.store.readStream(stream, { fromRevision, limit: limit + 1 });
    if (events.length === 0 && fromRevision === 0) throw new NotFoundException(`stream ${JSON.stringify(stream)} does not exist`);
    const page = events.slice(0, limit).map((event) => present(this.registry, event, view));
    const last = page[page.length - 1];
    return { stream, events: page, ...(events.length > limit && last ? { nextRevision: last.revision + 1 } : {}) };
  }
}
