import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresReadModelStore } from '../postgres/postgres-read-model-store';
import { SqliteReadModelStore } from '../sqlite/sqlite-read-model-store';
import type { ReadModelStoreUnderTest } from './read-model-store-contract';

/** A kind of read-model store a suite can run against; every `open` gives a fresh, empty one. */
export interface ReadModelBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  open(): Promise<ReadModelStoreUnderTest>;
}

export const sqliteReadModels: ReadModelBackend = {
  name: 'SQLite',
  async open() {
    const store = SqliteReadModelStore.open(':memory:');
    return { store, teardown: () => store.close() };
  },
};

/** The PostgreSQL server the suites use: CONCORD_POSTGRES_URL (`npm run test:postgres` sets it). */
export function postgresTestUrl(): string | undefined {
  const url = process.env.CONCORD_POSTGRES_URL;
  return url && url.trim() !== '' ? url : undefined;
}

/** A schema of its own per store (random name, dropped afterwards), so parallel runs never meet. */
export function postgresReadModels(connectionString: string): ReadModelBackend {
  return {
    name: 'PostgreSQL',
    async open() {
      const schema = `concord_test_${randomBytes(6).toString('hex')}`;
      const store = await PostgresReadModelStore.open({ connectionString, schema, poolSize: 3 });
      return {
        store,
        async teardown() {
          await store.close();
          await dropPostgresSchema(connectionString, schema);
        },
      };
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
    describe(`${title} [PostgreSQL]`, () => body(postgresReadModels(url)));
  } else {
    describe(`${title} [PostgreSQL]`, () => {
      it.skip('needs CONCORD_POSTGRES_URL: run `npm run test:postgres`', () => undefined);
    });
    noticePostgresSkipped(title);
  }
}
