import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { CLOCK, ID_GENERATOR, randomIds, systemClock, type Clock, type IdGenerator } from '@concord/common';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { EVENT_STORE, SqliteEventStore, type EventStore } from '@concord/event-store';
import { QUARANTINE_STORE, SqliteQuarantineStore } from '@concord/quarantine';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';

export const CONTRACT_REGISTRY = Symbol('ContractRegistry');

/** What a test or simulation may replace: time and randomness. */
export interface HubRuntime {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

/**
 * The embedded storage: one SQLite file holds the event log and the quarantine,
 * so a refused input is exactly as durable as an accepted one.
 */
@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  static forRoot(config: ConcordConfig, runtime: HubRuntime = {}): DynamicModule {
    const exported = [CONCORD_CONFIG, CLOCK, ID_GENERATOR, CONTRACT_REGISTRY, EVENT_STORE, QUARANTINE_STORE];
    return {
      module: StorageModule,
      providers: [
        { provide: CONCORD_CONFIG, useValue: config },
        { provide: CLOCK, useValue: runtime.clock ?? systemClock },
        { provide: ID_GENERATOR, useValue: runtime.ids ?? randomIds },
        { provide: CONTRACT_REGISTRY, useFactory: () => new ContractRegistry(exampleContracts) },
        {
          provide: EVENT_STORE,
          inject: [CLOCK],
          useFactory: (clock: Clock) =>
            SqliteEventStore.open(join(config.CONCORD_DATA_DIR, 'events.db'), {
              clock,
              synchronous: config.CONCORD_SQLITE_SYNCHRONOUS,
              maxEventsPerCommit: config.CONCORD_MAX_EVENTS_PER_COMMIT,
              writer: config.CONCORD_SQLITE_WRITER,
            }),
        },
        {
          provide: QUARANTINE_STORE,
          inject: [EVENT_STORE, CLOCK, ID_GENERATOR],
          useFactory: (store: SqliteEventStore, clock: Clock, ids: IdGenerator) => new SqliteQuarantineStore(store.db, clock, ids),
        },
      ],
      exports: exported,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
