import { Global, Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { join } from 'node:path';
import { API_KEY_STORE, ApiKeys, SqliteApiKeyStore, type ApiKeyStore } from '@concord/access';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@concord/common';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { AccessGuard } from './access.guard';
import { KeysController } from './keys.controller';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';
import { RouteCatalog } from './route-catalog';
import { WhoamiController } from './whoami.controller';

/**
 * API keys (hashed, in `access.db`), the global access and rate-limit guards,
 * and key management over HTTP. Guards run in the order provided here.
 */
@Global()
@Module({
  controllers: [KeysController, WhoamiController],
  providers: [
    {
      provide: API_KEY_STORE,
      inject: [CONCORD_CONFIG],
      useFactory: (config: ConcordConfig) => SqliteApiKeyStore.open(join(config.CONCORD_DATA_DIR, 'access.db')),
    },
    {
      provide: ApiKeys,
      inject: [API_KEY_STORE, CLOCK, ID_GENERATOR],
      useFactory: (store: ApiKeyStore, clock: Clock, ids: IdGenerator) => new ApiKeys(store, clock, ids),
    },
    RateLimiter,
    RouteCatalog,
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [ApiKeys, RateLimiter, RouteCatalog],
})
export class AccessModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Access');

  constructor(
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
    @Inject(API_KEY_STORE) private readonly store: ApiKeyStore,
    private readonly keys: ApiKeys,
  ) {}

  async onModuleInit(): Promise<void> {
    const bootstrap = this.config.CONCORD_BOOTSTRAP_ADMIN_KEY;
    if (bootstrap) {
      const outcome = await this.keys.bootstrapAdmin(bootstrap);
      if (outcome === 'created') this.logger.log('created the bootstrap admin key from CONCORD_BOOTSTRAP_ADMIN_KEY');
      if (outcome === 'value-was-revoked') {
        this.logger.warn('CONCORD_BOOTSTRAP_ADMIN_KEY holds a key that was revoked; it stays revoked (choose a new value)');
      }
    }
    if ((await this.store.countActive('admin')) === 0) {
      this.logger.warn('no admin key exists: set CONCORD_BOOTSTRAP_ADMIN_KEY or run `npm run concord -- keys create --role admin`');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
