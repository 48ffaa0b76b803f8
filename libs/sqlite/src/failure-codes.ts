/**
 * SQLite result codes that say the file cannot take a write right now (disk full, I/O error, locked past
 * the busy timeout, read-only), as opposed to a mistake in the write itself. A caller treats these as an
 * outage: retry later, never as a verdict on the data.
 */
const OUTAGE = /^SQLITE_(FULL|IOERR|BUSY|READONLY|CANTOPEN)/;

export function isWriteOutage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && OUTAGE.test(code);
}

const DAMAGE = /^SQLITE_(CORRUPT|NOTADB)/;

/** A SQLite error that means the file itself is damaged (not busy, not full, not a bug in the statement). */
export function isFileDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DAMAGE.test(code);
}
