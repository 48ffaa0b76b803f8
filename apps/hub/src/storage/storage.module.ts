import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { CLOCK, ID_GENERATOR, randomIds, systemClock, type Clock, type IdGenerator } from '@concord/common';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { EVENT_STORE, type EventStore, type KurrentClient } from '@concord/event-store';
import type { KafkaConsumerHooks } from '@concord/messaging';
import { KEY_VAULT, type KeyVault } from '@concord/personal-data';
import { SharedLogFeed } from '@concord/projections';
import { QUARANTINE_STORE, SqliteQuarantineStore } from '@concord/quarantine';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { openEventLog, openKeyVault, openLocalDatabase, type LocalDatabase } from './event-log';

export const CONTRACT_REGISTRY = Symbol('ContractRegistry');
/** The live log, read once for every projection runner of this process. */
export const LOG_FEED = Symbol('LogFeed');
const LOCAL_DATABASE = Symbol('LocalDatabase');

/** What a test or simulation may replace: time, randomness, and the KurrentDB client. */
export interface HubRuntime {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** With CONCORD_EVENT_STORE=kurrentdb: the client to use instead of connecting to CONCORD_KURRENTDB_URL (tests pass a fake). */
  readonly kurrentClient?: KurrentClient;
  /** Where the JSON logs go (default stdout); tests pass a stream to read them. */
  readonly logDestination?: DestinationStream;
  /** Where webhook secrets are looked up by name (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** With KAFKA_BROKERS: test seams in the Kafka consumer (e.g. die after a durable append, before the offset commit). */
  readonly kafkaHooks?: KafkaConsumerHooks;
}

/**
 * The storage: the event log (embedded SQLite, or KurrentDB with
 * CONCORD_EVENT_STORE=kurrentdb) and the quarantine, which stays in SQLite on
 * this machine (in the event log's own file when the log is embedded, so a
 * refused input is exactly as durable as an accepted one).
 */
@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOCAL_DATABASE) private readonly local: LocalDatabase,
    @Inject(KEY_VAULT) private readonly keys: KeyVault,
  ) {}

  static forRoot(config: ConcordConfig, runtime: HubRuntime = {}): DynamicModule {
    const exported = [CONCORD_CONFIG, CLOCK, ID_GENERATOR, CONTRACT_REGISTRY, EVENT_STORE, LOG_FEED, QUARANTINE_STORE, KEY_VAULT];
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
          useFactory: (clock: Clock) => openEventLog(config, clock, runtime.kurrentClient),
        },
        { provide: LOG_FEED, inject: [EVENT_STORE], useFactory: (store: EventStore) => new SharedLogFeed({ store }) },
        { provide: LOCAL_DATABASE, inject: [EVENT_STORE], useFactory: (store: EventStore) => openLocalDatabase(config, store) },
        {
          provide: QUARANTINE_STORE,
          inject: [LOCAL_DATABASE, CLOCK, ID_GENERATOR],
          useFactory: (local: LocalDatabase, clock: Clock, ids: IdGenerator) => new SqliteQuarantineStore(local.db, clock, ids),
        },
        { provide: KEY_VAULT, inject: [CLOCK], useFactory: (clock: Clock) => openKeyVault(config, clock) },
      ],
      exports: exported,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    if (this.local.separate) this.local.db.close();
    await this.keys.close();
  }
}
