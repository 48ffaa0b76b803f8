import type { AppendResult } from '../event-store.port';
import { LogWriter } from './log-writer';
import type { PreparedRequest } from './prepared-append';
import type { SqliteDatabase } from '@concord/sqlite';

/** How the store reaches its LogWriter: in the same thread, or in a worker thread. */
export interface LogWriterChannel {
  commit(requests: readonly PreparedRequest[]): Promise<AppendResult[]>;
  heartbeat(at: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The writer on the caller's own connection and thread: for in-memory
 * databases and callers that own the connection. The commit (and its fsync)
 * blocks the thread while it runs.
 */
export class InlineLogWriterChannel implements LogWriterChannel {
  private readonly writer: LogWriter;

  constructor(db: SqliteDatabase) {
    this.writer = new LogWriter(db);
  }

  async commit(requests: readonly PreparedRequest[]): Promise<AppendResult[]> {
    return this.writer.commit(requests);
  }

  async heartbeat(at: string): Promise<void> {
    this.writer.heartbeat(at);
  }

  async close(): Promise<void> {
    // The connection belongs to the store, which closes it.
  }
}
