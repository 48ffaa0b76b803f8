import { join } from 'node:path';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { SqliteEventStore } from '@concord/event-store';
import { SqliteKeyVault } from '@concord/personal-data';
import { PostgresReadModelStore, ProjectionRunner, type Doc, type ReadModelStore } from '@concord/projections';
import { hubProjections } from '../../../apps/hub/src/projections/hub-projections';
import { prepareForReading } from '../../../apps/hub/src/projections/projections.service';
import { ENTITIES, ENTITY_VIEW } from '../../../apps/hub/src/entities/entity-view.projection';

export interface EntityViewComparison {
  /** The entity documents the hub processes built, by key. */
  readonly live: Record<string, Doc>;
  /** The same documents rebuilt from the log into `rebuiltSchema` by a fresh runner. */
  readonly rebuilt: Record<string, Doc>;
  /** The position the rebuild caught up to. */
  readonly rebuiltTo: number;
  /** The live projection's lease token (how many terms of office it had). */
  readonly leaseToken: number | undefined;
  /** Events counted in the live documents (each document counts the events per source it applied). */
  readonly countedEvents: number;
}

/** Rebuilds the entity view from a hub data directory's log and reads both it and the live one in PostgreSQL. */
export async function rebuildEntityView(url: string, schema: string, rebuiltSchema: string, dataDir: string): Promise<EntityViewComparison> {
  const live = await PostgresReadModelStore.open({ connectionString: url, schema });
  const rebuilt = await PostgresReadModelStore.open({ connectionString: url, schema: rebuiltSchema });
  const log = SqliteEventStore.open(join(dataDir, 'events.db'), { synchronous: 'NORMAL' });
  const keys = SqliteKeyVault.open(join(dataDir, 'keys.db'), { synchronous: 'NORMAL' });
  try {
    const leaseToken = (await live.lease(ENTITY_VIEW))?.token;
    const registry = new ContractRegistry(exampleContracts);
    const projection = hubProjections(registry).find((p) => p.name === ENTITY_VIEW)!;
    const runner = new ProjectionRunner(projection, { store: log, readModels: rebuilt, clock: { now: () => new Date() }, prepare: prepareForReading(registry, keys) });
    await runner.load();
    const rebuiltTo = await runner.catchUp();
    const liveDocs = await allDocuments(live);
    const countedEvents = Object.values(liveDocs).reduce(
      (sum, doc) => sum + Object.values(doc.sources as Record<string, { events: number }>).reduce((n, s) => n + s.events, 0),
      0,
    );
    return { live: liveDocs, rebuilt: await allDocuments(rebuilt), rebuiltTo, leaseToken, countedEvents };
  } finally {
    await log.close();
    await keys.close();
    await live.close();
    await rebuilt.close();
  }
}

async function allDocuments(store: ReadModelStore): Promise<Record<string, Doc>> {
  const docs: Record<string, Doc> = {};
  let after: { value: string | number | null; key: string } | undefined;
  for (;;) {
    const page = await store.query(ENTITIES, { limit: 500, ...(after ? { after } : {}) });
    for (const item of page.items) docs[item.key] = item.doc;
    const last = page.items[page.items.length - 1];
    if (!page.hasMore || !last) return docs;
    after = { value: last.sortValue, key: last.key };
  }
}
