import { join } from 'node:path';
import { systemClock, type Clock } from '@concord/common';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import { SqliteReadModelStore } from '@concord/projections';
import type { ConcordConfig } from '../config/concord-config';
import { readModelsFile } from '../projections/projections.module';

/** The hub's stores opened directly from its data directory, for CLI commands (works while the hub runs: WAL). */
export interface HubFiles {
  readonly store: SqliteEventStore;
  readonly readModels: SqliteReadModelStore;
  readonly registry: ContractRegistry;
  readonly clock: Clock;
  close(): Promise<void>;
}

export function openHubFiles(config: ConcordConfig): HubFiles {
  const store = SqliteEventStore.open(join(config.CONCORD_DATA_DIR, 'events.db'), { synchronous: config.CONCORD_SQLITE_SYNCHRONOUS });
  const readModels = SqliteReadModelStore.open(readModelsFile(config));
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
