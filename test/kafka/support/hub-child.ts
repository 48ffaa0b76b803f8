import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { DurableChunk } from '@concord/messaging';
import { TEST_ADMIN_KEY, TEST_SECURITY_ENV } from '../../e2e/support/auth';
import type { JsonReader } from '../../faults/support/fault-hub';

const ROOT = join(__dirname, '..', '..', '..');

export interface HubChild {
  readonly process: ChildProcess;
  /** Resolves with the HTTP port once the hub serves; rejects if it exits first. */
  readonly listening: Promise<number>;
  /** The DYING line's chunk, once the process killed itself at the hook. */
  readonly died: Promise<{ signal: NodeJS.Signals | null; chunk?: DurableChunk }>;
  get(path: string): Promise<{ status: number; text: string }>;
  /** SIGTERM and wait for the exit (clean shutdown: the consumer leaves its group). */
  stop(): Promise<void>;
}

/** Starts test/kafka/support/hub-process.ts as a real process; its output goes to `logFile`. */
export function startHubChild(env: Record<string, string>, logFile: string, timeoutMs = 90_000): HubChild {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'hub-process.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CONCORD_LOG_LEVEL: 'warn', ...TEST_SECURITY_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  let output = '';
  let dying: string | undefined;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const listening = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub process not listening within ${timeoutMs} ms; see ${logFile}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      output += chunk.toString();
      const dyingLine = /^DYING (.*)$/m.exec(output);
      if (dyingLine) dying = dyingLine[1];
      const listening = /^LISTENING (\d+)$/m.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
      if (output.length > 100_000) output = output.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
    void exited.then((signal) => {
      clearTimeout(timer);
      reject(new Error(`hub process exited (${String(signal)}) before listening; see ${logFile}`));
    });
  });
  const died = exited.then((signal) => ({ signal, ...(dying ? { chunk: JSON.parse(dying) as DurableChunk } : {}) }));
  listening.catch(() => undefined); // a child meant to die may never listen
  return {
    process: child,
    listening,
    died,
    async get(path) {
      const port = await listening;
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      return { status: response.status, text: await response.text() };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      log.end();
    },
  };
}

/** concord_event_log_head_position from /metrics, or -1 while the hub does not answer. */
export async function headPosition(hub: HubChild): Promise<number> {
  try {
    const { text } = await hub.get('/metrics');
    return Number(/^concord_event_log_head_position (\d+)/m.exec(text)?.[1] ?? -1);
  } catch {
    return -1;
  }
}

/** The hub's JSON API as the fault suite's helpers read it (test/faults/support/fault-hub.ts). */
export function jsonReaderOf(hub: HubChild): JsonReader {
  return {
    async get<T>(path: string) {
      const { status, text } = await hub.get(path);
      return { status, body: JSON.parse(text) as T };
    },
  };
}
