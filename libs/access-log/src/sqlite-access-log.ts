import { migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import type { AccessLog, AccessLogFilter, AccessLogPage, AccessRecord, AccessRecordInput } from './access-log.port';

const MIGRATIONS = [
  {
    version: 1,
    description: 'append-only log of audit-trail reads',
    sql: `
      CREATE TABLE audit_access (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT    NOT NULL,
        principal  TEXT    NOT NULL,
        role       TEXT,
        request_id TEXT    NOT NULL,
        ip         TEXT    NOT NULL,
        method     TEXT    NOT NULL,
        route      TEXT,
        url        TEXT    NOT NULL,
        status     INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX audit_access_by_principal ON audit_access (principal, seq);
      CREATE INDEX audit_access_by_time ON audit_access (at, seq);
      CREATE TRIGGER audit_access_no_update BEFORE UPDATE ON audit_access
        BEGIN SELECT RAISE(ABORT, 'the audit access log is append-only'); END;
      CREATE TRIGGER audit_access_no_delete BEFORE DELETE ON audit_access
        BEGIN SELECT RAISE(ABORT, 'the audit access log is append-only'); END;
    `,
  },
];

interface AccessRow {
  seq: number;
  at: string;
  principal: string;
  role: string | null;
  request_id: string;
  ip: string;
  method: string;
  route: string | null;
  url: string;
  status: number;
}

/** The access log in its own SQLite file in the data directory (`audit-access.db`). */
export class SqliteAccessLog implements AccessLog {
  private readonly insert;

  private constructor(private readonly db: SqliteDatabase) {
    migrate(db, 'audit-access', MIGRATIONS);
    this.insert = db.prepare(
      `INSERT INTO audit_access (at, principal, role, request_id, ip, method, route, url, status)
       VALUES (@at, @principal, @role, @request_id, @ip, @method, @route, @url, @status)`,
    );
  }

  static open(file: string, options: { synchronous?: 'FULL' | 'NORMAL' } = {}): SqliteAccessLog {
    return new SqliteAccessLog(openDatabase(file, { synchronous: options.synchronous ?? 'FULL' }));
  }

  async record(input: AccessRecordInput): Promise<AccessRecord> {
    const row = {
      at: new Date(input.at).toISOString(),
      principal: input.principal,
      role: input.role ?? null,
      request_id: input.requestId,
      ip: input.ip,
      method: input.method,
      route: input.route ?? null,
      url: input.url,
      status: input.status,
    };
    const { lastInsertRowid } = this.insert.run(row);
    return toRecord({ ...row, seq: Number(lastInsertRowid) });
  }

  async list(filter: AccessLogFilter): Promise<AccessLogPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.principal !== undefined) {
      where.push('principal = ?');
      params.push(filter.principal);
    }
    if (filter.since !== undefined) {
      // Stored instants are normalised ISO strings (UTC, milliseconds), so text order is time order.
      where.push('at >= ?');
      params.push(new Date(filter.since).toISOString());
    }
    if (filter.beforeSeq !== undefined) {
      where.push('seq < ?');
      params.push(filter.beforeSeq);
    }
    const sql = `SELECT * FROM audit_access ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, filter.limit + 1) as AccessRow[];
    return { items: rows.slice(0, filter.limit).map(toRecord), hasMore: rows.length > filter.limit };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toRecord(row: AccessRow): AccessRecord {
  return {
    seq: row.seq,
    at: row.at,
    principal: row.principal,
    ...(row.role !== null ? { role: row.role } : {}),
    requestId: row.request_id,
    ip: row.ip,
    method: row.method,
    ...(row.route !== null ? { route: row.route } : {}),
    url: row.url,
    status: row.status,
  };
}
