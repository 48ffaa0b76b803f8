import { Inject, NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { ContractRegistry } from '@concord/contracts';
import { EVENT_STORE, type DuplicateReceipt, type EventStore, type StoredEvent } from '@concord/event-store';
import { KEY_VAULT, type KeyVault } from '@concord/personal-data';
import { prepareForReading } from '../projections/projections.service';
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

/** `stored` is the log's bytes (personal fields sealed, as the hash covers them); `latest` is what every reader sees. */
function present(prepare: (event: StoredEvent) => StoredEvent, event: StoredEvent, view: EventView): StoredEvent & { storedSchemaVersion?: number } {
  if (view === 'stored') return event;
  const latest = prepare(event);
  return latest.schemaVersion === event.schemaVersion ? latest : { ...latest, storedSchemaVersion: event.schemaVersion };
}

@QueryHandler(GetEventQuery)
export class GetEventHandler implements IQueryHandler<GetEventQuery, EventDetails> {
  private readonly prepare: (event: StoredEvent) => StoredEvent;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONTRACT_REGISTRY) registry: ContractRegistry,
    @Inject(KEY_VAULT) keys: KeyVault,
  ) {
    this.prepare = prepareForReading(registry, keys);
  }

  async execute({ id, view }: GetEventQuery): Promise<EventDetails> {
    const event = await this.store.getEvent(id);
    if (!event) throw new NotFoundException(`no event with id ${JSON.stringify(id)} is stored`);
    const duplicates = await this.store.duplicateReceipts(id);
    return { event: present(this.prepare, event, view), receivedCount: 1 + duplicates.length, duplicates };
  }
}

@QueryHandler(GetStreamQuery)
export class GetStreamHandler implements IQueryHandler<GetStreamQuery, { stream: string; events: StoredEvent[]; nextRevision?: number }> {
  private readonly prepare: (event: StoredEvent) => StoredEvent;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONTRACT_REGISTRY) registry: ContractRegistry,
    @Inject(KEY_VAULT) keys: KeyVault,
  ) {
    this.prepare = prepareForReading(registry, keys);
  }

  async execute({ stream, view, fromRevision, limit }: GetStreamQuery) {
    const events = await this.store.readStream(stream, { fromRevision, limit: limit + 1 });
    if (events.length === 0 && fromRevision === 0) throw new NotFoundException(`stream ${JSON.stringify(stream)} does not exist`);
    const page = events.slice(0, limit).map((event) => present(this.prepare, event, view));
    const last = page[page.length - 1];
    return { stream, events: page, ...(events.length > limit && last ? { nextRevision: last.revision + 1 } : {}) };
  }
}
