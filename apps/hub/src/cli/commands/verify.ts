import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '@concord/common';
import { allSeals, publicKeyFromPem, publicKeysOf, readSealKey, SqliteSealStore, verifyLog, type BrokenLink, type Seal, type VerifyReport } from '@concord/audit';
import type { KeyObject } from 'node:crypto';
import { sealFile, sealKeyFile } from '../../audit-seals/seal-files';
import type { ConcordConfig } from '../../config/concord-config';
import { openEventLog } from '../../storage/event-log';
import { CliUsageError, integerFlag, type CliArgs, type CliCommand } from '../command';
import { ProgressReporter } from '../progress';

/** The trusted public keys: each --public-key file, or else the hub's own seal key. */
export function trustedKeys(args: CliArgs, config: ConcordConfig): KeyObject[] {
  const files = args.repeated?.get('public-key') ?? [];
  if (args.flags.get('public-key') === true) throw new CliUsageError('--public-key needs a PEM file');
  if (files.length > 0) {
    return files.map((file) => {
      try {
        return publicKeyFromPem(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliUsageError(`--public-key ${file}: ${(error as Error).message}`);
      }
    });
  }
  const own = sealKeyFile(config);
  return existsSync(own) ? [readSealKey(own).publicKey] : [];
}

export async function storedSeals(config: ConcordConfig): Promise<Seal[]> {
  if (!existsSync(sealFile(config))) return [];
  const store = SqliteSealStore.open(sealFile(config), { readonly: true });
  try {
    return await allSeals(store);
  } finally {
    await store.close();
  }
}

const count = (n: number) => n.toLocaleString('en-US');

export function describeBreak(broken: BrokenLink): string {
  const where = [broken.stream !== undefined ? `stream ${broken.stream}` : '', broken.revision !== undefined ? `revision ${broken.revision}` : '', broken.seal !== undefined ? `seal #${broken.seal}` : '']
    .filter(Boolean)
    .join(', ');
  return `BROKEN at position ${broken.position}: ${broken.kind}${where ? ` (${where})` : ''}\n  expected: ${broken.expected}\n  found:    ${broken.found}\n  ${broken.message}\n`;
}

export function describeReport(report: VerifyReport, seconds: number): string {
  if (report.broken) return describeBreak(report.broken);
  const { seals } = report;
  const sealLine = seals.lastMatched
    ? `${count(seals.total)} seal(s) verified (last #${seals.lastMatched.seq} at position ${count(seals.lastMatched.position)}, ${seals.lastMatched.sealedAt}); ${count(seals.unsealedEvents)} event(s) after it are chained but not sealed yet`
    : `no seals: ${count(seals.unsealedEvents)} event(s) are chained but not sealed yet`;
  return `OK: ${count(report.events)} events in ${count(report.streams)} streams, positions 1..${count(report.head)}, every hash and link verified; ${sealLine}. ${seconds.toFixed(1)} s, ${count(Math.round(report.events / Math.max(seconds, 0.001)))} events/s\n`;
}

/**
 * `verify`: every stream's hash chain and the log digest against every seal.
 * Exit 0 when intact, 1 with the first broken link, 2 on usage errors. Works while the hub runs (it reads a snapshot up to the head it finds).
 */
export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'Check every stream hash chain and the log digest against the signed seals; report OK with counts or the first broken link',
  usage: 'verify [--threads <n>] [--public-key <pem file>]… [--json]',
  async run(args, context) {
    const threads = integerFlag(args, 'threads');
    if (threads === 0) throw new CliUsageError('--threads must be at least 1');
    const config = context.config;
    // Seals first: one made while this runs lies beyond the head read below, never behind it.
    const seals = await storedSeals(config);
    const keys = publicKeysOf(trustedKeys(args, config));
    if (seals.length > 0 && keys.size === 0) context.err.write(`no public key to check the seals with (no ${sealKeyFile(config)}, no --public-key): every seal will fail\n`);
    const started = Date.now();
    let progress: ProgressReporter | undefined;
    const onProgress = (checked: number, total: number) => (progress ??= new ProgressReporter(context.err, context.interactive, 'verify', total)).update(checked);
    let report: VerifyReport;
    if (config.CONCORD_EVENT_STORE === 'sqlite') {
      const file = join(config.CONCORD_DATA_DIR, 'events.db');
      if (!existsSync(file)) throw new CliUsageError(`no event log at ${file} (CONCORD_DATA_DIR=${config.CONCORD_DATA_DIR})`);
      report = await verifyLog({ log: { kind: 'sqlite-file', file }, seals, keys, ...(threads ? { threads } : {}), onProgress });
    } else {
      const store = openEventLog(config, systemClock);
      try {
        report = await verifyLog({ log: { kind: 'event-store', store, consecutivePositions: false }, seals, keys, onProgress });
      } finally {
        await store.close();
      }
    }
    progress?.finish(report.events);
    const seconds = (Date.now() - started) / 1000;
    context.out.write(args.flags.has('json') ? `${JSON.stringify({ ...report, seconds })}\n` : describeReport(report, seconds));
    return report.ok ? 0 : 1;
  },
};
