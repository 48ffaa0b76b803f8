import { once } from 'node:events';
import { chainedFieldsOf, type EventStore } from '@concord/event-store';
import { LOG_DIGEST_GENESIS, nextLogDigest } from './log-digest';
import type { Seal } from './seal';

export const BUNDLE_FORMAT = 'concord-audit-bundle/1';

export interface BundleOptions {
  readonly log: EventStore;
  /** Every seal, oldest first (those inside the window are written). */
  readonly seals: readonly Seal[];
  /** First and last position to export (defaults: 1 and the head). */
  readonly from?: number;
  readonly to?: number;
  readonly consecutivePositions: boolean;
  readonly exportedAt: string;
  /** Informational: the verifier trusts only the key it is given. */
  readonly publicKey?: { readonly keyId: string; readonly pem: string };
  readonly out: NodeJS.WritableStream;
  readonly onProgress?: (position: number, to: number) => void;
}

export interface BundleSummary {
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly seals: number;
  readonly digest: string;
}

/**
 * Writes an audit bundle (JSON Lines): a header with the log digest just before
 * the window, each event with its hashes and exactly the fields its hash covers,
 * each seal right after the event it seals, and an end line (events, digest) so a
 * truncated file shows. tools/verify-bundle.mjs checks it without the hub.
 */
export async function writeAuditBundle(options: BundleOptions): Promise<BundleSummary> {
  const head = await options.log.headPosition();
  const from = Math.max(1, options.from ?? 1);
  const to = Math.min(head, options.to ?? head);
  const write = async (record: object) => {
    if (!options.out.write(`${JSON.stringify(record)}\n`)) await once(options.out, 'drain');
  };
  // The digest just before the window: from the last seal before it (the digest it signed), then folded over the
  // stored hashes as the sealer does. The verifier takes this start on the hub's word until a seal inside the window
  // confirms it, so nothing is lost by not folding from position 1.
  const anchor = options.seals.filter((seal) => seal.position < from).at(-1);
  let digest = anchor?.digest ?? LOG_DIGEST_GENESIS;
  let events = anchor?.events ?? 0;
  let startPosition = anchor?.position ?? 0;
  let after = startPosition;
  while (after < from - 1) {
    const page = await options.log.readAll({ after, limit: 5000 });
    if (page.length === 0) break;
    for (const event of page) {
      if (event.position >= from) break;
      digest = nextLogDigest(digest, event.position, event.hash);
      events++;
      startPosition = event.position;
    }
    after = page.at(-1)!.position;
  }
  await write({
    kind: 'header',
    format: BUNDLE_FORMAT,
    exportedAt: options.exportedAt,
    from,
    to,
    head,
    consecutivePositions: options.consecutivePositions,
    start: { position: startPosition, events, digest },
    ...(options.publicKey ? { keyId: options.publicKey.keyId, publicKeyPem: options.publicKey.pem } : {}),
  });
  const seals = options.seals.filter((seal) => seal.position >= from && seal.position <= to);
  let nextSeal = 0;
  let written = 0;
  after = startPosition;
  while (after < to) {
    const page = await options.log.readAll({ after, limit: 1000 });
    if (page.length === 0) break;
    for (const event of page) {
      if (event.position > to) break;
      digest = nextLogDigest(digest, event.position, event.hash);
      events++;
      written++;
      await write({ kind: 'event', position: event.position, prevHash: event.prevHash, hash: event.hash, event: chainedFieldsOf(event) });
      while (seals[nextSeal] && seals[nextSeal]!.position <= event.position) await write({ kind: 'seal', ...seals[nextSeal++]! });
    }
    after = page.at(-1)!.position;
    options.onProgress?.(after, to);
  }
  await write({ kind: 'end', events, digest });
  return { from, to, events: written, seals: nextSeal, digest };
}
