import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { chainHash, chainedFieldsOf, type EventStore } from '@concord/event-store';
import { openDatabase } from '@concord/sqlite';
import { ChainJoin, RangeWalk, type BrokenLink } from './chain-walk';
import { SealedDigestWalk, sealsProblem } from './sealed-digest';
import type { PublicKeys, Seal } from './seal';
import type { WalkedRange } from './sqlite/verify-range';
import type { VerifyWorkerReply, VerifyWorkerRequest } from './sqlite/verify.worker';

/** Where the log to verify is. A SQLite file is walked by worker threads in parallel; any other store through the EventStore port, in one pass. */
export type VerifiableLog =
  | { readonly kind: 'sqlite-file'; readonly file: string }
  | { readonly kind: 'event-store'; readonly store: EventStore; readonly consecutivePositions: boolean };

export interface VerifyOptions {
  readonly log: VerifiableLog;
  /** Every seal, oldest first. Read them before calling: seals made later may lie beyond the head this run reads. */
  readonly seals: readonly Seal[];
  readonly keys: PublicKeys;
  /** Worker threads for a SQLite file (default: one per core). */
  readonly threads?: number;
  /** Events per worker task. */
  readonly chunkSize?: number;
  readonly onProgress?: (checked: number, total: number) => void;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** The last position the run read (the head when it started). */
  readonly head: number;
  readonly events: number;
  readonly streams: number;
  readonly seals: {
    readonly total: number;
    /** Seals the log matched (all of them when ok). */
    readonly matched: number;
    readonly lastMatched?: { readonly seq: number; readonly position: number; readonly sealedAt: string };
    /** Events after the last seal: covered by their hash chains, not yet by a signature. */
    readonly unsealedEvents: number;
  };
  /** The first thing broken, by position. */
  readonly broken?: BrokenLink;
}

const earliest = (a: BrokenLink | undefined, b: BrokenLink | undefined): BrokenLink | undefined => (!a ? b : !b ? a : b.position < a.position ? b : a);

/**
 * Verifies the log: every stream's hash chain (each event's hash recomputed from
 * its stored content, each link to its predecessor), gap-free positions where the
 * store promises them, and the log digest against every seal. Stops at the first
 * break and names it by position.
 */
export async function verifyLog(options: VerifyOptions): Promise<VerifyReport> {
  const sealBreak = sealsProblem(options.seals, options.keys);
  const digest = new SealedDigestWalk(sealBreak ? options.seals.filter((s) => s.position < sealBreak.position) : options.seals);
  const chain =
    options.log.kind === 'sqlite-file' ? await verifySqliteFile(options.log.file, digest, options) : await verifyThroughPort(options.log.store, options.log.consecutivePositions, digest, options);
  const broken = earliest(earliest(chain.broken, sealBreak), digest.finish());
  const matched = digest.lastMatched;
  return {
    ok: broken === undefined,
    head: chain.head,
    events: chain.events,
    streams: chain.streams,
    seals: {
      total: options.seals.length,
      matched: matched?.seq ?? 0,
      ...(matched ? { lastMatched: { seq: matched.seq, position: matched.position, sealedAt: matched.sealedAt } } : {}),
      unsealedEvents: chain.events - (matched?.events ?? 0),
    },
    ...(broken ? { broken } : {}),
  };
}

interface ChainOutcome {
  readonly head: number;
  readonly events: number;
  readonly streams: number;
  readonly broken?: BrokenLink;
}

async function verifyThroughPort(store: EventStore, consecutive: boolean, digest: SealedDigestWalk, options: VerifyOptions): Promise<ChainOutcome> {
  const head = await store.headPosition();
  options.onProgress?.(0, head);
  const walk = new RangeWalk(1, consecutive);
  const join = new ChainJoin();
  let after = 0;
  let checked = 0;
  let lastRead = 0;
  read: while (after < head) {
    const page = await store.readAll({ after, limit: 1000 });
    if (page.length === 0) break;
    for (const event of page) {
      if (event.position > head) break read;
      lastRead = event.position;
      const ok = walk.accept({
        position: event.position,
        stream: event.stream,
        revision: event.revision,
        prevHash: event.prevHash,
        hash: event.hash,
        computedHash: chainHash(event.prevHash, chainedFieldsOf(event)),
      });
      if (!ok || !digest.accept(event.position, event.hash)) break read;
      checked++;
    }
    after = page.at(-1)!.position;
    options.onProgress?.(checked, checked);
  }
  // Stopped early (a break): the range ends where reading stopped, so what was not read is not reported missing.
  const stoppedEarly = walk.isBroken || digest.firstBreak !== undefined;
  const broken = join.add(walk.summary(consecutive && !stoppedEarly ? head : lastRead));
  return { head, events: join.events || checked, streams: join.streams, ...(broken ? { broken } : {}) };
}

function startWorker(): Worker {
  // As the log writer: compiled, a .js beside this file; from TypeScript sources, register the same compiler first.
  if (__filename.endsWith('.ts')) {
    const entry = join(__dirname, 'sqlite', 'verify.worker.ts');
    return new Worker(`require('@swc-node/register'); require(${JSON.stringify(entry)});`, { eval: true });
  }
  return new Worker(join(__dirname, 'sqlite', 'verify.worker.js'));
}

async function verifySqliteFile(file: string, digest: SealedDigestWalk, options: VerifyOptions): Promise<ChainOutcome> {
  const db = openDatabase(file, { readonly: true });
  let head: number;
  try {
    head = (db.prepare('SELECT coalesce(max(position), 0) AS head FROM events').get() as { head: number }).head;
  } finally {
    db.close();
  }
  const chunkSize = options.chunkSize ?? 20_000;
  const chunks = Math.ceil(head / chunkSize);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), chunks));
  const join = new ChainJoin();
  let chainBreak: BrokenLink | undefined;
  if (chunks === 0) return { head, events: 0, streams: 0 };
  options.onProgress?.(0, head);

  // Workers walk ranges in any order; this thread joins them in position order and folds the log digest over the
  // hashes they read (a sequential fold, cheap next to recomputing the chain hashes).
  await new Promise<void>((resolve, reject) => {
    const results = new Map<number, WalkedRange>();
    const workers: Worker[] = [];
    let nextChunk = 0;
    let nextToJoin = 0;
    let finished = false;
    const stop = (error?: Error) => {
      if (finished) return;
      finished = true;
      for (const worker of workers) void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    const dispatch = (worker: Worker) => {
      if (nextChunk >= chunks || chainBreak) return;
      const chunk = nextChunk++;
      const request: VerifyWorkerRequest = { file, chunk, from: chunk * chunkSize + 1, to: Math.min(head, (chunk + 1) * chunkSize) };
      worker.postMessage(request);
    };
    const joinInOrder = () => {
      while (!chainBreak && results.has(nextToJoin)) {
        const { summary, hashes } = results.get(nextToJoin)!;
        results.delete(nextToJoin);
        nextToJoin++;
        // The hashes of a range stop at its first break; up to there its positions are from, from + 1, …
        for (let i = 0, position = summary.from; i < hashes.length && !digest.firstBreak; i += 64, position++) digest.accept(position, hashes.slice(i, i + 64));
        chainBreak = join.add(summary);
        options.onProgress?.(join.events, head);
      }
    };
    for (let i = 0; i < threads; i++) {
      const worker = startWorker();
      workers.push(worker);
      worker.on('error', (error) => stop(error));
      worker.on('message', (reply: VerifyWorkerReply) => {
        if (!reply.ok) return stop(new Error(`verify worker: ${reply.message}`));
        results.set(reply.chunk, { summary: reply.summary, hashes: reply.hashes });
        joinInOrder();
        if (chainBreak || nextToJoin === chunks) return stop();
        dispatch(worker);
      });
      dispatch(worker);
    }
  });
  return { head, events: join.events, streams: join.streams, ...(chainBreak ? { broken: chainBreak } : {}) };
}
