import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PostgresReadModelStore, SqliteReadModelStore, type PostgresReadModelStoreOptions, type ReadModelStore } from '@concord/projections';
import type { ConcordConfig } from '../config/concord-config';

export function readModelsFile(config: ConcordConfig): string {
  return join(config.CONCORD_DATA_DIR, 'read-models.db');
}

/**
 * The read-model store CONCORD_READ_MODELS names: the SQLite file in the data
 * directory, or PostgreSQL (connected on first use; `openReadModelStore` waits).
 */
export function readModelStoreFor(config: ConcordConfig): ReadModelStore {
  if (config.CONCORD_READ_MODELS === 'postgres') return PostgresReadModelStore.connectLazily(postgresOptions(config));
  return SqliteReadModelStore.open(readModelsFile(config));
}

/** As `readModelStoreFor`, but a PostgreSQL store is connected and migrated before it is returned: start-up fails fast. */
export async function openReadModelStore(config: ConcordConfig): Promise<ReadModelStore> {
  if (config.CONCORD_READ_MODELS === 'postgres') return PostgresReadModelStore.open(postgresOptions(config));
  return readModelStoreFor(config);
}

function postgresOptions(config: ConcordConfig): PostgresReadModelStoreOptions {
  return {
    connectionString: config.CONCORD_POSTGRES_URL!,
    schema: config.CONCORD_POSTGRES_SCHEMA,
    // A projector frozen mid-commit must not hold the lease's row lock past the lease itself.
    idleInTransactionTimeoutMs: Math.max(250, Math.floor(config.CONCORD_PROJECTION_LEASE_MS / 2)),
  };
}

/** Who this process is among projectors: CONCORD_INSTANCE_ID, or host, pid and a random part (unique across restarts). */
export function instanceIdFor(config: ConcordConfig): string {
  return config.CONCORD_INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}
