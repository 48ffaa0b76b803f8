import { StoreUnavailableError } from '@concord/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppendResult } from '../event-store.port';
import type { LogWriterChannel } from './log-writer-channel';
import type { PreparedRequest } from './prepared-append';
import { resultsFromColumns, toColumns, type PreparedColumns, type ResultColumns } from './prepared-columns';

export interface WriterOptions {
  readonly file: string;
  readonly synchronous: 'FULL' | 'NORMAL' | 'OFF';
}

export type WriterRequest =
  | { readonly op: 'open'; readonly seq: number; readonly writer: number; readonly options: WriterOptions }
  | { readonly op: 'commit'; readonly seq: number; readonly writer: number; readonly group: PreparedColumns }
  | { readonly op: 'heartbeat'; readonly seq: number; readonly writer: number; readonly at: string }
  | { readonly op: 'close'; readonly seq: number; readonly writer: number };

export type WriterReply =
  | { readonly seq: number; readonly ok: true; readonly results?: ResultColumns }
  | { readonly seq: number; readonly ok: false; readonly message: string };

/** A request before the thread numbers it (Omit over a union would merge its members). */
type UnnumberedRequest = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, 'seq'> : never) : never;

interface Waiting {
  readonly resolve: (results: ResultColumns | undefined) => void;
  readonly reject: (error: Error) => void;
}

function startWorker(): Worker {
  // Compiled, the worker is a .js file beside this one; run from TypeScript sources
  // (tests, `node -r @swc-node/register`), the worker registers the same compiler first.
  if (__filename.endsWith('.ts')) {
    const entry = join(__dirname, 'log-writer.worker.ts');
    return new Worker(`require('@swc-node/register'); require(${JSON.stringify(entry)});`, { eval: true });
  }
  return new Worker(join(__dirname, 'log-writer.worker.js'));
}

/**
 * One worker thread per process writes every SQLite event log the process has
 * open, each through its own connection. It answers in order. While nothing is
 * outstanding it does not keep the process alive; while something is, it does
 * (an awaited append must finish). It stays up between stores, so opening a
 * store (tests open hundreds) costs no thread start-up.
 */
class WriterThread {
  private readonly worker = startWorker();
  private readonly waiting = new Map<number, Waiting>();
  private nextSeq = 1;
  private nextWriter = 1;
  failure: StoreUnavailableError | undefined;

  constructor(private readonly onStop: () => void) {
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(`the event log writer thread failed: ${error.message}`));
    this.worker.once('exit', (code) => this.fail(`the event log writer thread stopped (exit code ${code})`));
  }

  newWriterId(): number {
    return this.nextWriter++;
  }

  call(request: UnnumberedRequest): Promise<ResultColumns | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(seq, { resolve, reject });
      this.worker.postMessage({ ...request, seq });
    });
  }

  private settle(reply: WriterReply): void {
    const waiting = this.waiting.get(reply.seq);
    if (!waiting) return;
    this.waiting.delete(reply.seq);
    if (this.waiting.size === 0) this.worker.unref();
    if (reply.ok) waiting.resolve(reply.results);
    else waiting.reject(new Error(reply.message));
  }

  private fail(message: string): void {
    this.failure ??= new StoreUnavailableError(message);
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
    this.onStop();
  }
}

let shared: WriterThread | undefined;

function writerThread(): WriterThread {
  if (!shared || shared.failure) {
    const thread: WriterThread = new WriterThread(() => {
      if (shared === thread) shared = undefined;
    });
    shared = thread;
  }
  return shared;
}

/** A LogWriter for one database file, living in the writer thread. */
export class ThreadLogWriterChannel implements LogWriterChannel {
  private readonly thread = writerThread();
  private readonly writer = this.thread.newWriterId();
  private readonly opened: Promise<unknown>;

  constructor(options: WriterOptions) {
    this.opened = this.thread.call({ op: 'open', writer: this.writer, options });
    // A failed open is reported by the first commit or heartbeat, which await it.
    this.opened.catch(() => undefined);
  }

  async commit(requests: readonly PreparedRequest[]): Promise<AppendResult[]> {
    await this.opened;
    const results = await this.thread.call({ op: 'commit', writer: this.writer, group: toColumns(requests) });
    return resultsFromColumns(requests, results!);
  }

  async heartbeat(at: string): Promise<void> {
    await this.opened;
    await this.thread.call({ op: 'heartbeat', writer: this.writer, at });
  }

  async close(): Promise<void> {
    await this.opened.catch(() => undefined);
    if (!this.thread.failure) await this.thread.call({ op: 'close', writer: this.writer }).catch(() => undefined);
  }
}
