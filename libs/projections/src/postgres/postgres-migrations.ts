import type { Pool } from 'pg';
import { jsonbAt, literalPath, sortExpressions } from './postgres-sql';
import { inTransaction } from './postgres-transaction';

interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: (schema: string) => string;
}

/** The entity list's `sort=lastEventAt` (both directions) walks this index instead of sorting every entity. */
function lastEventAtIndex(schema: string): string {
  const sort = sortExpressions(jsonbAt('lastEventAt', literalPath));
  return `CREATE INDEX documents_by_last_event_at ON "${schema}".documents (collection, ${sort.rank}, ${sort.num}, ${sort.text}, key)`;
}

const MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'documents, projection checkpoints and leases',
    sql: (s) => `
      CREATE TABLE "${s}".documents (
        collection text COLLATE "C" NOT NULL,
        key        text COLLATE "C" NOT NULL,
        doc        jsonb NOT NULL,
        PRIMARY KEY (collection, key)
      );
      CREATE TABLE "${s}".projection_checkpoints (
        name       text COLLATE "C" PRIMARY KEY,
        version    integer NOT NULL,
        position   bigint NOT NULL,
        state      text NOT NULL,
        last_error jsonb,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE "${s}".projection_leases (
        name       text COLLATE "C" PRIMARY KEY,
        owner      text NOT NULL,
        token      bigint NOT NULL, -- the fencing token: grows whenever the lease changes hands
        expires_at timestamptz NOT NULL, -- on the projectors' clocks
        updated_at timestamptz NOT NULL
      );
      ${lastEventAtIndex(s)};
    `,
  },
];

// Any constant works; it only has to be the same in every Concord process.
const MIGRATION_LOCK = 0x636f6e63;

/**
 * Creates the schema or brings it up to date, in one transaction under an
 * advisory lock: several instances starting at once (projector, standby, API
 * replicas) migrate one after the other, and the later ones find nothing to do.
 */
export async function migratePostgres(pool: Pool, schema: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".schema_versions (namespace text PRIMARY KEY, version integer NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM "${schema}".schema_versions WHERE namespace = 'read-models'`);
    const current = rows[0]?.version ?? 0;
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      await client.query(migration.sql(schema));
      await client.query(
        `INSERT INTO "${schema}".schema_versions (namespace, version) VALUES ('read-models', $1) ON CONFLICT (namespace) DO UPDATE SET version = excluded.version`,
        [migration.version],
      );
    }
  });
}
