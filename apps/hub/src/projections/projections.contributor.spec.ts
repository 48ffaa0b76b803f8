import { Registry } from 'prom-client';
import type { ProjectionStatus } from '@concord/projections';
import { loadConfig } from '../config/concord-config';
import { HubStatusRegistry } from '../operations/hub-status';
import { ProjectionsContributor } from './projections.contributor';
import type { ProjectionsService } from './projections.service';

function status(overrides: Partial<ProjectionStatus>): ProjectionStatus {
  return { name: 'entity-view', version: 1, state: 'running', checkpoint: 10, headPosition: 10, lagEvents: 0, lagSeconds: 0, ...overrides };
}

function contributorWith(statuses: ProjectionStatus[]) {
  const service = { statuses: async () => statuses } as unknown as ProjectionsService;
  const config = loadConfig({ CONCORD_MAX_PROJECTION_LAG_EVENTS: '1000', CONCORD_READY_MAX_PROJECTION_LAG_SECONDS: '30' });
  return new ProjectionsContributor(service, new HubStatusRegistry(), config);
}

describe('projections in operations', () => {
  it('given a running projection over its lag limit, ingestion is told to wait with a reason', async () => {
    const contributor = contributorWith([status({ lagEvents: 1001, lagSeconds: 5 })]);
    await contributor.refresh();
    expect(contributor.ingestionPressure()).toEqual({
      overloaded: true,
      statusCode: 503,
      retryAfterSeconds: 2,
      reason: expect.stringContaining('projection entity-view is 1001 events behind (limit 1000)'),
    });
  });

  it('never blocks ingestion for a failed or rebuilding projection', async () => {
    const contributor = contributorWith([status({ state: 'failed', lagEvents: 5000 }), status({ name: 'other', state: 'rebuilding', lagEvents: 9000 })]);
    await contributor.refresh();
    expect(contributor.ingestionPressure()).toEqual({ overloaded: false });
  });

  it('a failed projection makes the hub not ready and status critical, naming the event', async () => {
    const failure = { eventId: 'e-7', position: 7, message: 'boom', at: '2026-11-21T10:00:00Z' };
    const contributor = contributorWith([status({ state: 'failed', lastError: failure, lagEvents: 3 })]);
    expect(await contributor.readiness()).toEqual({ ready: false, reason: 'projection entity-view stopped at position 7 (event e-7): boom' });
    expect(await contributor.status()).toMatchObject({ severity: 'critical', summary: expect.stringContaining('stopped at position 7') });
  });

  it('lag past the readiness limit warns; within it all is ok', async () => {
    expect(await contributorWith([status({ lagSeconds: 31, lagEvents: 50 })]).readiness()).toMatchObject({ ready: false });
    expect((await contributorWith([status({ lagSeconds: 31, lagEvents: 50 })]).status()).severity).toBe('warning');
    expect(await contributorWith([status({ lagSeconds: 29 })]).readiness()).toEqual({ ready: true });
    expect((await contributorWith([status({ lagSeconds: 31, state: 'rebuilding' })]).status()).severity).toBe('ok');
  });

  it('exports lag, checkpoint and failure per projection as metrics', async () => {
    const registry = new Registry();
    contributorWith([status({ lagEvents: 4, lagSeconds: 1.5, checkpoint: 6 })]).registerMetrics(registry);
    const text = await registry.metrics();
    expect(text).toContain('concord_projection_lag_events{projection="entity-view"} 4');
    expect(text).toContain('concord_projection_lag_seconds{projection="entity-view"} 1.5');
    expect(text).toContain('concord_projection_checkpoint{projection="entity-view"} 6');
    expect(text).toContain('concord_projection_failed{projection="entity-view"} 0');
  });
});
