import { Pool } from 'pg';
import { dropPostgresSchema, noticePostgresSkipped, postgresTestUrl } from '../testing';
import { inTransaction } from './postgres-transaction';

const url = postgresTestUrl();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

(url ? describe : describe.skip)('inTransaction (PostgreSQL)', () => {
  const schema = `concord_test_tx${process.pid}`;
  const table = `"${schema}".facts`;
  let pool: Pool;

  beforeAll(async () => {
    // The server ends any session left idle inside a transaction for 150 ms: what a paused projector meets.
    pool = new Pool({ connectionString: url, max: 2, idle_in_transaction_session_timeout: 150 });
    pool.on('error', () => undefined);
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await pool.end();
    await dropPostgresSchema(url!, schema);
  });
  beforeEach(() => pool.query(`TRUNCATE ${table}`));

  const stored = async () => (await pool.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);

  it('commits what the work wrote and hands back its result', async () => {
    const result = await inTransaction(pool, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES ('a'), ('b')`);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await stored()).toEqual(['a', 'b']);
  });

  it('rolls everything back when the work throws, and rethrows its error', async () => {
    const failure = inTransaction(pool, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES ('a')`);
      throw new Error('fold failed');
    });
    await expect(failure).rejects.toThrow('fold failed');
    expect(await stored()).toEqual([]);
  });

  it('given the process pauses between two statements past the idle-in-transaction timeout, the server ends the session: the transaction fails with that reason, nothing is written, and the process and the pool carry on', async () => {
    const failure = inTransaction(pool, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES ('paused')`);
      await pause(600); // the server ends the session meanwhile; nobody is waiting on a query when it does
      await client.query(`INSERT INTO ${table} VALUES ('after')`);
    });
    await expect(failure).rejects.toMatchObject({ code: '25P03', message: expect.stringMatching(/idle-in-transaction timeout/) });
    expect(await stored()).toEqual([]);
    // The ended client was thrown away, not handed back: both pooled connections work.
    const answers = await Promise.all([1, 2].map(() => inTransaction(pool, async (client) => (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one)));
    expect(answers).toEqual([1, 1]);
  });
});

if (!url) noticePostgresSkipped('inTransaction (PostgreSQL)');
