import type { ProjectionStatus } from '@concord/projections';
import type { Api } from './http';

export type { ProjectionStatus } from '@concord/projections';

/** `GET /v1/projections`: each projection's checkpoint, lag and state. */
export async function projections(api: Api): Promise<ProjectionStatus[]> {
  return (await api.get<{ projections: ProjectionStatus[] }>('/v1/projections')).projections;
}
