import { CorruptedHistoryError } from '@concord/common';
import { isFileDamage, type SqliteDatabase } from '@concord/sqlite';
import { READ_COLUMNS, type EventRow } from './event-rows';
import { damageOf } from './verified-rows';

/** How many of the newest events are checked against their hashes when the log opens (what a torn write would hit). */
export const EVENTS_CHECKED_ON_OPEN = 1000;

/** The error that stops the hub on a damaged log file, with what was found. */
export function damagedLogError(file: string, finding: string): CorruptedHistoryError {
  return new CorruptedHistoryError(
    `the event log ${file} is damaged (${finding}); the hub does not start on it, so no altered or half-written history is served. Restore the file from a backup (or move it aside to keep it for analysis).`,
  );
}

/**
 * Before the hub serves anything from a log file: SQLite's structural check (`quick_check`: every page,
 * every record well-formed; a file cut short or a scrambled page fails it) and the newest events against
 * their own hashes. WAL recovery has already happened when this runs, so a torn WAL tail shows up here as
 * the last committed state, which passes. Older events are checked on every read.
 */
export function checkLogOnOpen(db: SqliteDatabase, file: string): void {
  let findings: string[];
  try {
    findings = (db.pragma('quick_check(5)') as Array<{ quick_check: string }>).map((row) => row.quick_check);
  } catch (error) {
    if (isFileDamage(error)) throw damagedLogError(file, `SQLite: ${(error as Error).message}`);
    throw error;
  }
  if (findings.length !== 1 || findings[0] !== 'ok') throw damagedLogError(file, `SQLite quick_check: ${findings.join('; ')}`);
  let rows: EventRow[];
  try {
    rows = db.prepare(`SELECT ${READ_COLUMNS} FROM events ORDER BY position DESC LIMIT ?`).raw(true).all(EVENTS_CHECKED_ON_OPEN) as EventRow[];
  } catch (error) {
    if (isFileDamage(error)) throw damagedLogError(file, `SQLite: ${(error as Error).message}`);
    throw error;
  }
  const damaged = rows.map(damageOf).filter((damage): damage is string => damage !== undefined);
  if (damaged.length > 0) throw damagedLogError(file, damaged.slice(0, 3).join('; ') + (damaged.length > 3 ? ` and ${damaged.length - 3} more` : ''));
}
