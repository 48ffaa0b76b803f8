import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresReadModelStore } from '../postgres/postgres-read-model-store';
import { SqliteReadModelStore } from '../sqlite/sqlite-read-model-store';
import type { ReadModelStoreUnderTest } from './read-model-store-contract';

/** A kind of read-model store a suite can run against; every `open` gives a fresh, empty one. */
export interface ReadModelBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  open(): Promise<ReadModelStoreUnderTest>;
  /** Releases what the backend keeps between opens (PostgreSQL: drops its schemas). */
  dispose?(): Promise<void>;
}

export function inMemorySqliteReadModels(): ReadModelStoreUnderTest {
  const store = SqliteReadModelStore.open(':memory:');
  return { store, teardown: () => store.close() };
}

export const sqliteReadModels: ReadModelBackend = { name: 'SQLite', open: async () => inMemorySqliteReadModels() };

/** The PostgreSQL server the suites use: CONCORD_POSTGRES_URL (`npm run test:postgres` sets it). */
export function postgresTestUrl(): string | undefined {
  const url = process.env.CONCORD_POSTGRES_URL;
  return url && url.trim() !== '' ? url : undefined;
}

/**
 * Stores in schemas of this run's own (random names, dropped by `dispose`), so parallel
 * runs never meet. A schema whose store was torn down is emptied and reused by the next
 * `open`: creating one costs ~100 ms, and a property test opens hundreds of stores.
 */
export function postgresReadModels(connectionString: string): ReadModelBackend {
  const created: string[] = [];
  const free: string[] = [];
  let admin: Promise<Client> | undefined;
  const adminClient = (): Promise<Client> =>
    (admin ??= (async () => {
      const client = new Client({ connectionString });
      await client.connect();
      return client;
    })());
  return {
    name: 'PostgreSQL',
    async open() {
      let schema = free.pop();
      if (schema) {
        await (await adminClient()).query(`DELETE FROM "${schema}".documents; DELETE FROM "${schema}".projection_checkpoints; DELETE FROM "${schema}".projection_leases;`);
      } else {
        schema = `concord_test_${randomBytes(6).toString('hex')}`;
        created.push(schema);
      }
      const store = await PostgresReadModelStore.open({ connectionString, schema, poolSize: 3 });
      const reused = schema;
      return {
        store,
        async teardown() {
          await store.close();
          free.push(reused);
        },
      };
    },
    async dispose() {
      if (created.length === 0) return;
      const client = await adminClient();
      for (const schema of created.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      free.length = 0;
      admin = undefined;
      await client.end();
    },
  };
}

export async function dropPostgresSchema(connectionString: string, schema: string): Promise<void> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '')}" CASCADE`);
  } finally {
    await client.end();
  }
}

const warned = new Set<string>();

/** Says, once per suite file, that the PostgreSQL half did not run: a skip must not pass for a pass. */
export function noticePostgresSkipped(suite: string): void {
  if (warned.has(suite)) return;
  warned.add(suite);
  console.warn(`${suite}: PostgreSQL variant SKIPPED (CONCORD_POSTGRES_URL is not set; \`npm run test:postgres\` runs it against the local server).`);
}

/**
 * Declares the same suite once per read-model backend: SQLite always, PostgreSQL when
 * CONCORD_POSTGRES_URL is set (otherwise a skipped test and a console notice say so).
 */
export function describeEachReadModelBackend(title: string, body: (backend: ReadModelBackend) => void): void {
  describe(`${title} [SQLite]`, () => body(sqliteReadModels));
  const url = postgresTestUrl();
  if (url) {
    describe(`${title} [PostgreSQL]`, () => {
      const backend = postgresReadModels(url);
      afterAll(() => backend.dispose?.());
      body(backend);
    });
  } else {
    describe(`${title} [PostgreSQL]`, () => {
      it.skip('needs CONCORD_POSTGRES_URL: run `npm run test:postgres`', () => undefined);
    });
    noticePostgresSkipped(title);
  }
}
