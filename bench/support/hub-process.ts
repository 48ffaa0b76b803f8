import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface RunningHub {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The admin key benchmark hubs are started with; rate limits are off so the load is the only limit. */
export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

export const BENCH_AUTH = { authorization: `Bearer ${BENCH_ADMIN_KEY}` } as const;

/** The reference target instead of a hub: see bare-server.ts. */
export const BARE_HTTP = 'bare-http';

/**
 * Starts the built hub (`dist/` under `root`) as its own process, so the load generator never shares
 * its event loop; or, for `root` BARE_HTTP, the bare node:http reference server.
 */
export async function startHubProcess(root: string, dataDir: string, options: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<RunningHub> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const entry = root === BARE_HTTP ? ['-r', '@swc-node/register', join(__dirname, 'bare-server.ts')] : [join(root, 'dist/apps/hub/src/main.js')];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: root === BARE_HTTP ? process.cwd() : root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CONCORD_DATA_DIR: dataDir,
      CONCORD_SQLITE_SYNCHRONOUS: 'FULL',
      CONCORD_LOG_LEVEL: 'warn',
      CONCORD_BOOTSTRAP_ADMIN_KEY: BENCH_ADMIN_KEY,
      CONCORD_RATE_LIMIT_ADMIN: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode} before it listened`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the hub did not answer /health within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
