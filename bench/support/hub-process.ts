import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** The admin key benchmark hubs are started with; rate limits are off so the load is the only limit. */
export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

export const BENCH_AUTH = { authorization: `Bearer ${BENCH_ADMIN_KEY}` };

export interface HubProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the hub as its own process (so a benchmark's load generator never
 * shares its event loop) from the TypeScript sources, and waits for /health.
 */
export async function startHubProcess(dataDir: string, port: number, env: Record<string, string> = {}): Promise<HubProcess> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'apps/hub/src/main.ts')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', CONCORD_DATA_DIR: dataDir,
      CONCORD_LOG_LEVEL: 'warn',
      CONCORD_BOOTSTRAP_ADMIN_KEY: BENCH_ADMIN_KEY,
      CONCORD_RATE_LIMIT_ADMIN: 'off',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited with ${child.exitCode} during start-up`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('hub did not become healthy within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
