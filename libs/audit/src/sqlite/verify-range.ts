import type { SqliteDatabase } from '@concord/sqlite';
import { CHAIN_COLUMN_NAMES, hashOfRawRow, type RawChainRow } from '../chain-columns';
import { RangeWalk, type RangeSummary } from '../chain-walk';

/** A range's chain summary plus its stored hashes in position order (64 hex digits each), for the digest fold. */
export interface WalkedRange {
  readonly summary: RangeSummary;
  readonly hashes: string;
}

/** Walks positions from…to of a SQLite event log (a worker's share). */
export function walkSqliteRange(db: SqliteDatabase, from: number, to: number): WalkedRange {
  const walk = new RangeWalk(from, true);
  const rows = db.prepare(`SELECT ${CHAIN_COLUMN_NAMES} FROM events WHERE position BETWEEN ? AND ? ORDER BY position`).raw().iterate(from, to) as IterableIterator<RawChainRow>;
  let hashes = '';
  for (const row of rows) {
    const ok = walk.accept({ position: row[0], stream: row[2], revision: row[3], prevHash: row[17], hash: row[18], computedHash: hashOfRawRow(row) });
    if (!ok) {
      rows.return?.();
      break;
    }
    hashes += row[18];
  }
  return { summary: walk.summary(to), hashes };
}
