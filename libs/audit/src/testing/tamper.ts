import { openDatabase, type SqliteDatabase } from '@concord/sqlite';
import { CHAIN_COLUMN_NAMES, hashOfRawRow, type RawChainRow } from '../chain-columns';

/**
 * Edits a SQLite event log or seal file behind the hub's back, the way an
 * attacker with write access to the data directory would: the append-only
 * triggers are dropped first (they only stop the hub's own connection).
 */
export class Tamperer {
  private constructor(private readonly db: SqliteDatabase) {}

  static open(file: string): Tamperer {
    const db = openDatabase(file);
    for (const trigger of ['events_are_immutable', 'events_are_append_only', 'seals_no_update', 'seals_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
    return new Tamperer(db);
  }

  /** Flips one byte of the stored payload text (still valid JSON: a digit or letter becomes another). */
  alterPayloadByte(position: number): void {
    const { data } = this.db.prepare('SELECT data FROM events WHERE position = ?').get(position) as { data: string };
    const index = data.search(/[0-9A-Za-z]/);
    if (index < 0) throw new Error(`no alterable byte in ${data}`);
    const char = data[index]!;
    const replaced = /[0-9]/.test(char) ? String((Number(char) + 1) % 10) : char === 'A' ? 'B' : char === 'a' ? 'b' : 'a';
    this.db.prepare('UPDATE events SET data = ? WHERE position = ?').run(data.slice(0, index) + replaced + data.slice(index + 1), position);
  }

  deleteEvent(position: number): void {
    this.db.prepare('DELETE FROM events WHERE position = ?').run(position);
  }

  /** Exchanges the positions of two stored events (each keeps its content, stream and revision). */
  swapPositions(a: number, b: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(a);
      this.db.prepare('UPDATE events SET position = ? WHERE position = ?').run(a, b);
      this.db.prepare('UPDATE events SET position = ? WHERE position = -1').run(b);
    })();
  }

  /** Exchanges two seals' signed content (digest, position, count, signature), leaving their numbers. */
  swapSeals(seqA: number, seqB: number): void {
    this.db.transaction(() => {
      const read = this.db.prepare('SELECT position, events, digest, signature FROM seals WHERE seq = ?');
      const a = read.get(seqA) as Record<string, unknown>;
      const b = read.get(seqB) as Record<string, unknown>;
      const write = this.db.prepare('UPDATE seals SET position = @position, events = @events, digest = @digest, signature = @signature WHERE seq = @seq');
      write.run({ ...b, seq: seqA });
      write.run({ ...a, seq: seqB });
    })();
  }

  deleteSeal(seq: number): void {
    this.db.prepare('DELETE FROM seals WHERE seq = ?').run(seq);
  }

  /**
   * A careful attacker: after editing, recomputes every hash and prevHash from
   * `position` on, so each stream chain is consistent again. Only seals catch this.
   */
  rehashFrom(position: number): void {
    const tails = new Map<string, string>();
    const rows = this.db.prepare(`SELECT ${CHAIN_COLUMN_NAMES} FROM events ORDER BY position`).raw().all() as RawChainRow[];
    const update = this.db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?');
    this.db.transaction(() => {
      for (const row of rows) {
        const [at, , stream] = row;
        if (at >= position) {
          const prev = tails.get(stream) ?? '0'.repeat(64);
          const withPrev = [...row] as unknown as [...RawChainRow];
          withPrev[17] = prev;
          const hash = hashOfRawRow(withPrev);
          update.run(prev, hash, at);
          tails.set(stream, hash);
        } else tails.set(stream, row[18]);
      }
    })();
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    this.db.close();
  }
}
