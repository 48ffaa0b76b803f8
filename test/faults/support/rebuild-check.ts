import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@concord/common';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import { SqliteKeyVault } from '@concord/personal-data';
import { ProjectionRunner, SqliteReadModelStore } from '@concord/projections';
import { hubProjections } from '../../../apps/hub/src/projections/hub-projections';
import { prepareForReading } from '../../../apps/hub/src/projections/projections.service';
import { loadConfig } from '../../../apps/hub/src/config/concord-config';
import { flowRulesFor } from '../../../apps/hub/src/flows/flow-rules';
import { reconciliationRulesFor } from '../../../apps/hub/src/reconciliation/reconciliation-rules';
import { FAULT_HUB_ENV } from './fault-hub';

export interface RebuildComparison {
  /** Per projection: the live checkpoint, and the position a rebuild from zero reached. */
  readonly checkpoints: Record<string, { live: number; rebuilt: number }>;
  /** Projections the live hub ran (they have a checkpoint) that this rebuild did not: a comparison that would miss them. */
  readonly notRebuilt: readonly string[];
  readonly documents: number;
  /** `collection/key` of every document that differs, is missing or is extra in the live read models. */
  readonly differences: readonly string[];
  /** The first few differing documents, live and rebuilt, for the failure message. */
  readonly samples: ReadonlyArray<{ key: string; live: string | undefined; rebuilt: string | undefined }>;
}

type Documents = Map<string, string>;

function documentsOf(file: string): Documents {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT collection, key, doc FROM documents ORDER BY collection, key').all() as Array<{ collection: string; key: string; doc: string }>;
    return new Map(rows.map((row) => [`${row.collection}/${row.key}`, row.doc]));
  } finally {
    db.close();
  }
}

function checkpointsOf(file: string): Map<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT name, position FROM projection_checkpoints').all() as Array<{ name: string; position: number }>;
    return new Map(rows.map((row) => [row.name, row.position]));
  } finally {
    db.close();
  }
}

/**
 * Rebuilds every hub projection from position 0 of the data directory's event log into a fresh
 * read-model file, and compares it, document for document, with the live `read-models.db`
 * (documents are compared as stored, i.e. canonical JSON). Run it on a stopped hub. `hubEnv`: the
 * settings the hub ran with (the fault hub's by default), so the rebuild runs the same projections with the same rules.
 */
export async function compareWithRebuild(dataDir: string, hubEnv: Readonly<Record<string, string>> = FAULT_HUB_ENV): Promise<RebuildComparison> {
  const scratch = mkdtempSync(join(tmpdir(), 'concord-rebuild-'));
  const rebuiltFile = join(scratch, 'read-models.db');
  const log = SqliteEventStore.open(join(dataDir, 'events.db'), { writer: 'inline' });
  const rebuilt = SqliteReadModelStore.open(rebuiltFile);
  const keys = SqliteKeyVault.open(join(dataDir, 'keys.db'));
  const checkpoints: Record<string, { live: number; rebuilt: number }> = {};
  const live = checkpointsOf(join(dataDir, 'read-models.db'));
  try {
    const registry = new ContractRegistry(exampleContracts);
    // The projections the hub runs with these settings, configured as the hub configures them.
    const config = loadConfig({ ...hubEnv, CONCORD_DATA_DIR: dataDir });
    for (const projection of hubProjections(registry, { reconciliationRules: reconciliationRulesFor(config), flowRules: flowRulesFor(config, registry) })) {
      const runner = new ProjectionRunner(projection, { store: log, readModels: rebuilt, clock: systemClock, prepare: prepareForReading(registry, keys) });
      await runner.load();
      checkpoints[projection.name] = { live: live.get(projection.name) ?? 0, rebuilt: await runner.catchUp() };
    }
  } finally {
    await rebuilt.close();
    await log.close();
    await keys.close();
  }
  try {
    const liveDocs = documentsOf(join(dataDir, 'read-models.db'));
    const rebuiltDocs = documentsOf(rebuiltFile);
    const differences: string[] = [];
    for (const [key, doc] of rebuiltDocs) if (liveDocs.get(key) !== doc) differences.push(key);
    for (const key of liveDocs.keys()) if (!rebuiltDocs.has(key)) differences.push(key);
    const samples = differences.slice(0, 3).map((key) => ({ key, live: liveDocs.get(key), rebuilt: rebuiltDocs.get(key) }));
    const notRebuilt = [...live.keys()].filter((name) => !(name in checkpoints));
    return { checkpoints, notRebuilt, documents: rebuiltDocs.size, differences, samples };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
