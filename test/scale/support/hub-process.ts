import { authHeader, TEST_SECURITY_ENV } from '../../e2e/support/auth';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** A hub running as its own OS process (`apps/hub/src/main.ts` through swc), as an operator would run it. */
export interface HubProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it printed, for the failure message. */
  readonly output: () => string;
  get<T = any>(path: string): Promise<{ status: number; body: T }>;
  post<T = any>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM (clean shutdown: leases released) and wait for the exit. */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** `entry`: the file to run instead of the hub's main.ts (a test seam that wraps it). */
export async function startHubProcess(name: string, env: Record<string, string>, timeoutMs = 60_000, entry = 'apps/hub/src/main.ts'): Promise<HubProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONCORD_LOG_LEVEL: 'log', NO_COLOR: '1', ...TEST_SECURITY_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const look = () => {
      const match = /hub listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(deadline);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(deadline);
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
    });
  });
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...authHeader(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    name,
    child,
    url,
    output: () => output,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      await exited;
    },
    exited,
  };
}

/** Polls until `check` returns a value (not undefined), or fails with what it last saw. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
