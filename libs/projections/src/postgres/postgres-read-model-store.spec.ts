import { Client } from 'pg';
import { StoreUnavailableError } from '@concord/common';
import { describeReadModelStoreContract, dropPostgresSchema, noticePostgresSkipped, postgresReadModels, postgresTestUrl } from '../testing';
import { PostgresReadModelStore } from './postgres-read-model-store';

const url = postgresTestUrl();

if (url) {
  const backend = postgresReadModels(url);
  afterAll(() => backend.dispose?.());
  describeReadModelStoreContract('PostgreSQL', () => backend.open());

  describe('PostgreSQL read-model store', () => {
    const schema = `concord_test_m${process.pid}`;
    afterEach(() => dropPostgresSchema(url, schema));

    it('creates its schema once, even when several instances start at the same moment', async () => {
      const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresReadModelStore.open({ connectionString: url, schema, poolSize: 1 })));
      const again = await PostgresReadModelStore.open({ connectionString: url, schema, poolSize: 1 });
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT version FROM "${schema}".schema_versions`);
        expect(rows).toEqual([{ version: 1 }]);
      } finally {
        await client.end();
      }
      await Promise.all([...stores, again].map((s) => s.close()));
    });

    it("serves the entity list's sort by lastEventAt from an index, with the path bound as a parameter", async () => {
      const store = await PostgresReadModelStore.open({ connectionString: url, schema, poolSize: 1 });
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(
          `INSERT INTO "${schema}".documents SELECT 'entities', 'order/' || i, jsonb_build_object('lastEventAt', '2026-01-01T00:00:' || lpad((i % 60)::text, 2, '0') || 'Z') FROM generate_series(1, 5000) i`,
        );
        await client.query(`ANALYZE "${schema}".documents`);
        // The adapter's own query text, explained: run the query through a client that records its SQL.
        let captured: { text: string; values: unknown[] } | undefined;
        const pool = (store as unknown as { pool: { query: (text: string, values: unknown[]) => Promise<unknown> } }).pool;
        const original = pool.query.bind(pool);
        pool.query = (text, values) => {
          captured = { text, values };
          return original(text, values);
        };
        const page = await store.query('entities', { keyPrefix: 'order/', orderBy: { path: 'lastEventAt', direction: 'desc' }, limit: 10 });
        expect(page.items).toHaveLength(10);
        const plan = await client.query(`EXPLAIN ${captured!.text}`, captured!.values);
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('documents_by_last_event_at');
      } finally {
        await client.end();
        await store.close();
      }
    });

    it('reports an unreachable server as unavailable, not as a bug', async () => {
      await expect(PostgresReadModelStore.open({ connectionString: 'postgres://postgres@127.0.0.1:1/test' })).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it('refuses a schema name it would have to quote', async () => {
      await expect(PostgresReadModelStore.open({ connectionString: url, schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(/not a PostgreSQL schema name/);
    });
  });
} else {
  describe('ReadModelStore contract: PostgreSQL', () => {
    it.skip('needs CONCORD_POSTGRES_URL: run `npm run test:postgres`', () => undefined);
  });
  noticePostgresSkipped('ReadModelStore contract');
}
