import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` inside BEGIN … COMMIT on a client of its own, and survives the
 * server ending that session midway.
 *
 * While a client is checked out, the pool stops listening for its errors. A
 * process that pauses between two statements of a transaction (a long GC, a VM
 * steal, SIGSTOP) for longer than `idle_in_transaction_session_timeout` has its
 * session ended by the server, which the client reports as an `error` event;
 * with no listener that event would end the whole hub. Here it is kept: the
 * transaction fails with it (the caller sees an outage and retries) and the
 * dead client is discarded instead of going back to the pool.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let ended: Error | undefined;
  const onError = (error: Error) => {
    ended ??= error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!ended) await client.query('ROLLBACK').catch((rollbackFailed: Error) => (ended = rollbackFailed));
    // The session's own end says more than "Client has encountered a connection error".
    throw ended && isNotQueryable(error) ? ended : error;
  } finally {
    client.removeListener('error', onError);
    client.release(ended);
  }
}

function isNotQueryable(error: unknown): boolean {
  return error instanceof Error && /not queryable|Connection terminated/i.test(error.message);
}
