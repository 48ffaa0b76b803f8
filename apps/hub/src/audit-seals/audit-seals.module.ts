import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { loadOrCreateSealKey, LogSealer, SEAL_STORE, SqliteSealStore, type SealKey, type SealStore } from '@concord/audit';
import type { ConcordConfig } from '../config/concord-config';
import { AuditSealsController } from './audit-seals.controller';
import { SealFeed } from './seal-feed';
import { sealFile, sealKeyFile } from './seal-files';
import { VerifyRuns } from './verify-runs';

/**
 * Seals (Ed25519 signatures over the log digest, every N events and on demand),
 * the public key, and verification over HTTP. The seals live in `seals.db`; one
 * process per data directory seals (the one serving the API).
 */
@Module({})
export class AuditSealsModule implements OnApplicationShutdown {
  constructor(@Inject(SEAL_STORE) private readonly seals: SealStore) {}

  static forRoot(config: ConcordConfig): DynamicModule {
    return {
      module: AuditSealsModule,
      controllers: [AuditSealsController],
      providers: [
        {
          provide: 'SEAL_KEY',
          useFactory: (): SealKey => {
            const { key, created } = loadOrCreateSealKey(sealKeyFile(config));
            if (created) new Logger('Seals').log(`created the seal key ${sealKeyFile(config)} (mode 0600), key id ${key.keyId}: keep a copy of its public key (GET /v1/audit/public-key) outside the hub`);
            return key;
          },
        },
        { provide: 'SEAL_EVERY_EVENTS', useValue: config.CONCORD_SEAL_EVERY_EVENTS },
        { provide: SEAL_STORE, useFactory: () => SqliteSealStore.open(sealFile(config), { synchronous: config.CONCORD_SQLITE_SYNCHRONOUS }) },
        {
          provide: LogSealer,
          inject: [EVENT_STORE, SEAL_STORE, 'SEAL_KEY', CLOCK],
          useFactory: (log: EventStore, seals: SealStore, key: SealKey, clock: Clock) => new LogSealer(log, seals, key, clock, config.CONCORD_SEAL_EVERY_EVENTS),
        },
        SealFeed,
        VerifyRuns,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.seals.close();
  }
}
