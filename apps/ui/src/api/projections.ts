import type { Api } from './http';

/** `GET /v1/projections`: each projection's checkpoint, lag and state. */
export interface ProjectionStatus {
  readonly name: string;
  readonly state: 'running' | 'rebuilding' | 'failed' | 'stopped' | string;
  readonly checkpoint: number;
  readonly headPosition: number;
  readonly lagEvents: number;
  readonly lagSeconds: number;
  readonly lastError?: { readonly eventId?: string; readonly position?: number; readonly message: string };
  readonly rebuild?: { readonly processed: number; readonly total: number };
}

export async function projections(api: Api): Promise<ProjectionStatus[]> {
  return (await api.get<{ projections: ProjectionStatus[] }>('/v1/projections')).projections;
}
