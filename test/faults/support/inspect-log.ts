import Database from 'better-sqlite3';
import { GENESIS_HASH } from '@concord/event-store';
import { READ_COLUMNS, type EventRow } from '../../../libs/event-store/src/sqlite/event-rows';

/** What a post-mortem of an event log file found. `problems` is empty for a sound log. */
export interface LogReport {
  readonly events: number;
  readonly streams: number;
  /** `PRAGMA integrity_check` rows: `['ok']` for a sound file. */
  readonly integrity: readonly string[];
  /** Every stored event id, once each (the UNIQUE index cannot be trusted to prove itself). */
  readonly ids: ReadonlySet<string>;
  /** Gaps in positions or revisions and broken links, each naming the event. */
  readonly problems: readonly string[];
}

const PAGE = 5000;
const MAX_PROBLEMS = 50;

/**
 * Reads an event log file read-only, as an auditor would after a crash: global positions 1..n without
 * gaps, per stream revisions 0..m without gaps, each event's prevHash is its predecessor's hash, ids
 * unique, and SQLite's own integrity check. Whether each hash matches its content is `verify`'s job
 * (support/verify-cli.ts runs it); this adds what verify does not report: every id, and integrity_check.
 */
export function inspectLog(file: string): LogReport {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    let integrity: string[];
    try {
      integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
    } catch (error) {
      // A file damaged enough that SQLite cannot even check it: that is the finding, and nothing more can be read.
      return { events: 0, streams: 0, integrity: [`${(error as Error).message}`], ids: new Set(), problems: [`unreadable: ${(error as Error).message}`] };
    }
    const page = db.prepare(`SELECT ${READ_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(true);
    const problems: string[] = [];
    const problem = (text: string) => {
      if (problems.length < MAX_PROBLEMS) problems.push(text);
    };
    const heads = new Map<string, { revision: number; hash: string }>();
    const ids = new Set<string>();
    let position = 0;
    let events = 0;
    for (;;) {
      const rows = page.all(position, PAGE) as EventRow[];
      for (const row of rows) {
        events++;
        const [rowPosition, eventId, stream, revision] = row;
        const [prevHash, hash] = [row[17], row[18]];
        if (rowPosition !== position + 1) problem(`position gap: ${position} is followed by ${rowPosition} (event ${eventId})`);
        position = rowPosition;
        if (ids.has(eventId)) problem(`event ${eventId} stored twice (again at position ${rowPosition})`);
        ids.add(eventId);
        const head = heads.get(stream) ?? { revision: -1, hash: GENESIS_HASH };
        if (revision !== head.revision + 1) problem(`stream ${stream}: revision ${head.revision} is followed by ${revision} (event ${eventId})`);
        if (prevHash !== head.hash) problem(`event ${eventId} (position ${rowPosition}): prevHash does not link to its predecessor in ${stream}`);
        heads.set(stream, { revision, hash });
      }
      if (rows.length < PAGE) break;
    }
    return { events, streams: heads.size, integrity, ids, problems };
  } finally {
    db.close();
  }
}
