import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import type { ProjectionStatus } from '@concord/projections';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { HubStatusRegistry, type HubStatusContributor, type Pressure, type Readiness, type StatusSection } from '../operations/hub-status';
import { ProjectionsService } from './projections.service';

/** How often the lag seen by ingestion backpressure is refreshed (it must be read synchronously). */
const REFRESH_MS = 500;

/**
 * Projections in operations: lag per projection in /metrics and /v1/status,
 * readiness lost when a projection falls too far behind or fails, and
 * ingestion answering 503 while a running projection is over its lag limit
 * (memory and lag stay bounded instead of growing with the backlog). A failed or
 * rebuilding projection never blocks ingestion: it would never catch up by waiting.
 */
@Injectable()
export class ProjectionsContributor implements HubStatusContributor, OnModuleInit, OnModuleDestroy {
  readonly name = 'projections';
  private latest: ProjectionStatus[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly projections: ProjectionsService,
    private readonly registry: HubStatusRegistry,
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<ProjectionStatus[]> {
    this.latest = await this.projections.statuses();
    return this.latest;
  }

  ingestionPressure(): Pressure {
    const limit = this.config.CONCORD_MAX_PROJECTION_LAG_EVENTS;
    const behind = this.latest.find((s) => s.state === 'running' && s.lagEvents > limit);
    if (!behind) return { overloaded: false };
    return {
      overloaded: true,
      statusCode: 503,
      retryAfterSeconds: 2,
      reason: `projection ${behind.name} is ${behind.lagEvents} events behind (limit ${limit}); nothing was accepted, retry later`,
    };
  }

  async readiness(): Promise<Readiness> {
    const problems = verdicts(await this.refresh(), this.config.CONCORD_READY_MAX_PROJECTION_LAG_SECONDS).filter((v) => v.severity !== 'ok');
    return problems.length === 0 ? { ready: true } : { ready: false, reason: problems.map((p) => p.summary).join('; ') };
  }

  async status(): Promise<StatusSection> {
    const statuses = await this.refresh();
    const judged = verdicts(statuses, this.config.CONCORD_READY_MAX_PROJECTION_LAG_SECONDS);
    const worstFirst = [...judged].sort((a, b) => rank(b.severity) - rank(a.severity));
    const top = worstFirst[0];
    const details = Object.fromEntries(statuses.map((s) => [s.name, { state: s.state, checkpoint: s.checkpoint, lagEvents: s.lagEvents, lagSeconds: s.lagSeconds, lastError: s.lastError }]));
    if (!top || top.severity === 'ok') return { severity: 'ok', summary: `${statuses.length} projections up to date`, details };
    return { severity: top.severity, summary: worstFirst.filter((v) => v.severity !== 'ok').map((v) => v.summary).join('; '), details };
  }

  registerMetrics(registry: Registry): void {
    const refresh = () => this.refresh();
    const gauge = (name: string, help: string, value: (s: ProjectionStatus) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'],
        registers: [registry],
        async collect() {
          for (const status of await refresh()) this.set({ projection: status.name }, value(status));
        },
      });
    gauge('concord_projection_lag_events', 'Events in the log the projection has not applied yet', (s) => s.lagEvents);
    gauge('concord_projection_lag_seconds', 'Age of the oldest event the projection has not applied yet', (s) => s.lagSeconds);
    gauge('concord_projection_checkpoint', 'Last log position the projection applied', (s) => s.checkpoint);
    gauge('concord_projection_failed', '1 while the projection is stopped at an event it cannot apply', (s) => (s.state === 'failed' ? 1 : 0));
  }
}

function verdicts(statuses: readonly ProjectionStatus[], maxLagSeconds: number): StatusSection[] {
  return statuses.map((s) => {
    if (s.state === 'failed') {
      return { severity: 'critical', summary: `projection ${s.name} stopped at position ${s.lastError?.position} (event ${s.lastError?.eventId}): ${s.lastError?.message}` };
    }
    if (s.lagSeconds > maxLagSeconds && s.state === 'running') {
      return { severity: 'warning', summary: `projection ${s.name} is ${s.lagEvents} events / ${Math.round(s.lagSeconds)} s behind (limit ${maxLagSeconds} s)` };
    }
    return { severity: 'ok', summary: `projection ${s.name} ${s.state}` };
  });
}

function rank(severity: StatusSection['severity']): number {
  return severity === 'critical' ? 2 : severity === 'warning' ? 1 : 0;
}
