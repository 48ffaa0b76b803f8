import { migrate, openDatabase, type SqliteDatabase } from '@concord/sqlite';
import type { Seal } from './seal';

/** Where seals are kept. Append-only; `seq` is assigned by the sealer and must be the next one. */
export interface SealStore {
  /** Several seals are stored in one transaction: all or none. */
  append(...seals: readonly Seal[]): Promise<void>;
  /** Oldest first, seq > after. */
  list(after: number, limit: number): Promise<Seal[]>;
  last(): Promise<Seal | undefined>;
  close(): Promise<void>;
}

export const SEAL_STORE = Symbol('SealStore');

const MIGRATIONS = [
  {
    version: 1,
    description: 'signed digests of the event log',
    sql: `
      CREATE TABLE seals (
        seq       INTEGER PRIMARY KEY,
        position  INTEGER NOT NULL,
        events    INTEGER NOT NULL,
        digest    TEXT    NOT NULL,
        sealed_at TEXT    NOT NULL,
        key_id    TEXT    NOT NULL,
        signature TEXT    NOT NULL
      ) STRICT;
      CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals
        BEGIN SELECT RAISE(ABORT, 'seals are immutable'); END;
      CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals
        BEGIN SELECT RAISE(ABORT, 'seals are append-only'); END;
    `,
  },
];

interface SealRow {
  seq: number;
  position: number;
  events: number;
  digest: string;
  sealed_at: string;
  key_id: string;
  signature: string;
}

const toSeal = (row: SealRow): Seal => ({
  seq: row.seq,
  position: row.position,
  events: row.events,
  digest: row.digest,
  sealedAt: row.sealed_at,
  keyId: row.key_id,
  signature: row.signature,
});

/**
 * Seals in their own SQLite file (`seals.db` in the data directory), apart from
 * the event log: they outlive a replaced or rewritten log file, and they work the
 * same whichever store holds the log.
 */
export class SqliteSealStore implements SealStore {
  private readonly statements;

  private constructor(private readonly db: SqliteDatabase) {
    if (!db.readonly) migrate(db, 'audit-seals', MIGRATIONS);
    this.statements = {
      insert: db.readonly
        ? undefined
        : db.prepare('INSERT INTO seals (seq, position, events, digest, sealed_at, key_id, signature) VALUES (@seq, @position, @events, @digest, @sealed_at, @key_id, @signature)'),
      list: db.prepare('SELECT * FROM seals WHERE seq > ? ORDER BY seq LIMIT ?'),
      last: db.prepare('SELECT * FROM seals ORDER BY seq DESC LIMIT 1'),
    };
  }

  static open(file: string, options: { synchronous?: 'FULL' | 'NORMAL'; readonly?: boolean } = {}): SqliteSealStore {
    return new SqliteSealStore(openDatabase(file, { synchronous: options.synchronous ?? 'FULL', readonly: options.readonly ?? false }));
  }

  async append(...seals: readonly Seal[]): Promise<void> {
    const insert = this.statements.insert;
    if (!insert) throw new Error('the seal store is open read-only');
    this.db.transaction(() => {
      for (const seal of seals) {
        insert.run({
          seq: seal.seq,
          position: seal.position,
          events: seal.events,
          digest: seal.digest,
          sealed_at: seal.sealedAt,
          key_id: seal.keyId,
          signature: seal.signature,
        });
      }
    })();
  }

  async list(after: number, limit: number): Promise<Seal[]> {
    return (this.statements.list.all(after, limit) as SealRow[]).map(toSeal);
  }

  async last(): Promise<Seal | undefined> {
    const row = this.statements.last.get() as SealRow | undefined;
    return row ? toSeal(row) : undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Every seal, oldest first. */
export async function allSeals(store: SealStore): Promise<Seal[]> {
  const seals: Seal[] = [];
  for (;;) {
    const page = await store.list(seals.at(-1)?.seq ?? 0, 10_000);
    seals.push(...page);
    if (page.length < 10_000) return seals;
  }
}
