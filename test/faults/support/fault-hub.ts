import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, startHubProcess, type HubProcess } from '../../scale/support/hub-process';

/**
 * How fault tests run the hub. A short lease: a hub restarted after a SIGKILL takes its projections over
 * within a second or two. The shipped flow rules: every projection the hub has runs (the flows projection
 * only runs when rules are configured), so "every projection equals a rebuild" covers all of them.
 */
export const FAULT_HUB_ENV: Readonly<Record<string, string>> = {
  CONCORD_PROJECTION_LEASE_MS: '1000',
  CONCORD_FLOW_RULES: join(__dirname, '..', '..', '..', 'config', 'flows.yaml'),
};

export function startFaultHub(name: string, dataDir: string, env: Record<string, string> = {}, entry?: string): Promise<HubProcess> {
  return startHubProcess(name, { CONCORD_DATA_DIR: dataDir, ...FAULT_HUB_ENV, ...env }, 120_000, entry);
}

/** Resident set size of a process in bytes (Linux /proc), or undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface ProjectionView {
  name: string;
  state: string;
  checkpoint: number;
  headPosition: number;
  lagEvents: number;
  lastError?: { eventId: string; position: number; message: string };
  projector: { instance: string | null; thisInstance: boolean };
}

/** What the projection helpers need of a hub, whichever way it was started: an authenticated GET answering JSON. */
export interface JsonReader {
  get<T>(path: string): Promise<{ status: number; body: T }>;
}

export async function projectionsOf(hub: JsonReader): Promise<ProjectionView[]> {
  const { status, body } = await hub.get<{ projections: ProjectionView[] }>('/v1/projections');
  if (status !== 200) throw new Error(`GET /v1/projections answered ${status}`);
  return body.projections;
}

/** Waits until this hub runs every projection (it holds the leases) and each has settled: running or failed. */
export function projectionsSettled(hub: JsonReader, timeoutMs = 60_000): Promise<ProjectionView[]> {
  return eventually(
    'this hub runs every projection',
    async () => {
      const views = await projectionsOf(hub);
      return views.every((v) => v.projector.thisInstance && (v.state === 'running' || v.state === 'failed')) ? views : undefined;
    },
    timeoutMs,
    100,
  );
}

/** Waits until every projection runs here with its checkpoint at `position`. */
export function projectionsAt(hub: JsonReader, position: number, timeoutMs = 10 * 60_000): Promise<ProjectionView[]> {
  return eventually(
    `projections reach position ${position}`,
    async () => {
      const views = await projectionsOf(hub);
      return views.every((v) => v.state === 'running' && v.checkpoint === position) ? views : undefined;
    },
    timeoutMs,
    100,
  );
}
