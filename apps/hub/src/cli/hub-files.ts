import { join } from 'node:path';
import { systemClock, type Clock } from '@concord/common';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import type { ReadModelStore } from '@concord/projections';
import type { ConcordConfig } from '../config/concord-config';
import { readModelStoreFor } from '../projections/read-model-store.factory';

/**
 * The hub's stores opened directly, for CLI commands (works while the hub runs: WAL): the log
 * from the data directory, the read models wherever CONCORD_READ_MODELS puts them.
 */
export interface HubFiles {
  readonly store: SqliteEventStore;
  readonly readModels: ReadModelStore;
  readonly registry: ContractRegistry;
  readonly clock: Clock;
  close(): Promise<void>;
}

export function openHubFiles(config: ConcordConfig): HubFiles {
  const store = SqliteEventStore.open(join(config.CONCORD_DATA_DIR, 'events.db'), { synchronous: config.CONCORD_SQLITE_SYNCHRONOUS });
  const readModels = readModelStoreFor(config);
  return {
    store,
    readModels,
    registry: new ContractRegistry(exampleContracts),
    clock: systemClock,
    async close() {
      await readModels.close();
      await store.close();
    },
  };
}
