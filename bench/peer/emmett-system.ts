import { join } from 'node:path';
import { workloadEvent, type PeerSystem } from './workload';

/**
 * The few parts of @event-driven-io/emmett-sqlite (0.38) the comparison uses, typed here: the package
 * is loaded when the benchmark runs, so the project type-checks and runs without it (it is a dev
 * dependency that compiles sqlite3 from source on install).
 */
interface EmmettEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}
interface EmmettConnection {
  command(sql: string, values?: unknown[]): Promise<unknown>;
  query<T>(sql: string, values?: unknown[]): Promise<T[]>;
  close(): void;
}
interface EmmettConsumer {
  processor(options: {
    processorId: string;
    startFrom: 'BEGINNING';
    stopAfter: () => boolean;
    eachMessage: (event: EmmettEvent, context: { connection: EmmettConnection }) => Promise<void>;
  }): unknown;
  start(): Promise<void>;
  close(): Promise<void>;
}
interface EmmettStore {
  appendToStream(stream: string, events: EmmettEvent[]): Promise<unknown>;
  readStream(stream: string): Promise<unknown>;
  consumer(options: { pulling: { batchSize: number; pullingFrequencyInMs: number } }): EmmettConsumer;
}
interface EmmettSqliteModule {
  getSQLiteEventStore(options: { fileName: string }): EmmettStore;
  sqliteConnection(options: { fileName: string }): EmmettConnection;
  messagesTable: { name: string };
}

export const EMMETT_PACKAGE = '@event-driven-io/emmett-sqlite';

/** The peer's module, or why it cannot be loaded (not installed: `npm install`). */
export function loadEmmett(): EmmettSqliteModule | Error {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(EMMETT_PACKAGE) as EmmettSqliteModule;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** SQLite version of the peer's driver (node-sqlite3 bundles its own). */
export function peerSqliteVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('sqlite3') as { VERSION: string }).VERSION;
  } catch {
    return 'not installed';
  }
}

const MAX_TRIES = 10;

/**
 * Emmett's SQLite event store as its documentation sets it up (getSQLiteEventStore on a file:
 * WAL, SQLite's default synchronous=FULL, a connection per call) and its async consumer with one
 * processor that keeps the count per status in a table, checkpoint in the same transaction.
 * Emmett 0.38 with node-sqlite3 sometimes fails a commit with SQLITE_BUSY ("SQL statements in
 * progress"); the transaction is rolled back, so the call is retried and counted in `retries`,
 * and the stored count is checked afterwards.
 */
export class EmmettSystem implements PeerSystem {
  retries = 0;
  private readonly fileName: string;
  private readonly store: EmmettStore;

  constructor(
    private readonly emmett: EmmettSqliteModule,
    dir: string,
  ) {
    this.fileName = join(dir, 'emmett.db');
    this.store = emmett.getSQLiteEventStore({ fileName: this.fileName });
  }

  async warmUp(): Promise<void> {
    await this.store.readStream('warm-up'); // creates the schema
  }

  async append(from: number, count: number): Promise<void> {
    const { stream } = workloadEvent(from);
    const events = Array.from({ length: count }, (_, i) => {
      const { type, data } = workloadEvent(from + i);
      return { type, data: { ...data } };
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.appendToStream(stream, events);
        return;
      } catch (error) {
        if (attempt >= MAX_TRIES) throw error;
        this.retries++;
      }
    }
  }

  async projectStatusCounts(total: number): Promise<void> {
    await this.withConnection((c) => c.command('CREATE TABLE IF NOT EXISTS status_counts (status TEXT PRIMARY KEY, count INTEGER NOT NULL)'));
    // The same batch size as Concord's runner; 1 ms between pulls instead of the default 50 ms, so the pause is not what is measured.
    const consumer = this.store.consumer({ pulling: { batchSize: 1000, pullingFrequencyInMs: 1 } });
    let applied = 0;
    consumer.processor({
      processorId: 'status-counts',
      startFrom: 'BEGINNING',
      stopAfter: () => applied >= total,
      eachMessage: async (event, { connection }) => {
        await connection.command('INSERT INTO status_counts (status, count) VALUES (?, 1) ON CONFLICT (status) DO UPDATE SET count = count + 1', [String(event.data.status)]);
        applied++;
      },
    });
    await consumer.start();
    await consumer.close();
  }

  storedEvents(): Promise<number> {
    return this.withConnection(async (c) => (await c.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.emmett.messagesTable.name}`))[0]?.n ?? 0);
  }

  statusCounts(): Promise<Record<string, number>> {
    return this.withConnection(async (c) => Object.fromEntries((await c.query<{ status: string; count: number }>('SELECT status, count FROM status_counts')).map((r) => [r.status, r.count])));
  }

  async close(): Promise<void> {
    // Emmett closes its connection after every call.
  }

  private async withConnection<T>(use: (connection: EmmettConnection) => Promise<T>): Promise<T> {
    const connection = this.emmett.sqliteConnection({ fileName: this.fileName });
    try {
      return await use(connection);
    } finally {
      connection.close();
    }
  }
}
