import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { systemClock } from '@concord/common';
import { readSealKey, writeAuditBundle } from '@concord/audit';
import { SqliteEventStore } from '@concord/event-store';
import { sealKeyFile } from '../../audit-seals/seal-files';
import { openEventLog } from '../../storage/event-log';
import { CliUsageError, integerFlag, stringFlag, type CliCommand } from '../command';
import { ProgressReporter } from '../progress';
import { storedSeals } from './verify';

/**
 * `export --out bundle.jsonl [--from <position>] [--to <position>]`: an audit
 * bundle for tools/verify-bundle.mjs. Refuses to overwrite a file.
 */
export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Write an audit bundle (events with their hashes, seals, the log digest) for the standalone verifier tools/verify-bundle.mjs',
  usage: 'export --out <bundle.jsonl> [--from <position>] [--to <position>]',
  async run(args, context) {
    const out = stringFlag(args, 'out');
    if (!out) throw new CliUsageError('--out <file> is required');
    if (existsSync(out)) throw new CliUsageError(`${out} exists already: an export never overwrites a file`);
    const from = integerFlag(args, 'from');
    const to = integerFlag(args, 'to');
    if (from !== undefined && to !== undefined && to < from) throw new CliUsageError('--to must not be before --from');
    const config = context.config;
    // Seals first: one made meanwhile lies beyond the head the export reads.
    const seals = await storedSeals(config);
    const keyFile = sealKeyFile(config);
    const key = existsSync(keyFile) ? readSealKey(keyFile) : undefined;
    // A SQLite log is read as stored (no hash check on read): the bundle carries the hashes, and the
    // standalone verifier is the one to say what is wrong with a damaged log, by position.
    const log =
      config.CONCORD_EVENT_STORE === 'sqlite'
        ? SqliteEventStore.open(join(config.CONCORD_DATA_DIR, 'events.db'), { writer: 'inline', checkHistory: false })
        : openEventLog(config, systemClock);
    const file = createWriteStream(out, { flags: 'wx', mode: 0o600 });
    try {
      let progress: ProgressReporter | undefined;
      const summary = await writeAuditBundle({
        log,
        seals,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        consecutivePositions: log instanceof SqliteEventStore,
        exportedAt: systemClock.now().toISOString(),
        ...(key ? { publicKey: { keyId: key.keyId, pem: key.publicKey.export({ format: 'pem', type: 'spki' }).toString() } } : {}),
        out: file,
        onProgress: (position, last) => (progress ??= new ProgressReporter(context.err, context.interactive, 'export', last)).update(position),
      });
      progress?.finish(summary.to);
      file.end();
      await finished(file);
      context.out.write(
        `exported positions ${summary.from}..${summary.to}: ${summary.events} events, ${summary.seals} seal(s) to ${out}\n` +
          `check it with: node tools/verify-bundle.mjs --public-key <the hub's public key, PEM> ${out}\n`,
      );
      return 0;
    } finally {
      if (!file.closed) file.destroy();
      await log.close();
    }
  },
};
