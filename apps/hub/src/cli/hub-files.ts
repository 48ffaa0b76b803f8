import { join } from 'node:path';
import { systemClock, type Clock } from '@concord/common';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import type { ReadModelStore } from '@concord/projections';
import type { ConcordConfig } from '../config/concord-config';
import { flowRulesFor } from '../flows/flow-rules';
import type { HubProjectionSettings } from '../projections/hub-projections';
import type { SqliteKeyVault } from '@concord/personal-data';
import { openKeyVault } from '../storage/event-log';
import { readModelStoreFor } from '../projections/read-model-store.factory';
import { reconciliationRulesFor } from '../reconciliation/reconciliation-rules';

/**
 * The hub's stores opened directly, for CLI commands (works while the hub runs: WAL): the log
 * from the data directory, the read models wherever CONCORD_READ_MODELS puts them.
 */
export interface HubFiles {
  readonly store: SqliteEventStore;
  readonly readModels: ReadModelStore;
  readonly registry: ContractRegistry;
  /** The key vault, so replays read personal fields as the hub does (opened, or "[erased]"). */
  readonly keys: SqliteKeyVault;
  readonly clock: Clock;
  /** The configured projections' settings, as the hub loads them. */
  readonly projectionSettings: HubProjectionSettings;
  close(): Promise<void>;
}

export function openHubFiles(config: ConcordConfig): HubFiles {
  const store = SqliteEventStore.open(join(config.CONCORD_DATA_DIR, 'events.db'), { synchronous: config.CONCORD_SQLITE_SYNCHRONOUS });
  const readModels = readModelStoreFor(config);
  const registry = new ContractRegistry(exampleContracts);
  const keys = openKeyVault(config, systemClock);
  return {
    store,
    readModels,
    keys,
    registry,
    clock: systemClock,
    projectionSettings: { reconciliationRules: reconciliationRulesFor(config), flowRules: flowRulesFor(config, registry) },
    async close() {
      await readModels.close();
      await store.close();
      await keys.close();
    },
  };
}
