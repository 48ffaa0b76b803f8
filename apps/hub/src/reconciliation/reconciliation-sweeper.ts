import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { HubEventRecorder } from '../hub-events/hub-event-recorder';
import { ProjectionsService } from '../projections/projections.service';
import { hasRole } from '../roles/hub-roles';
import { RECONCILIATION } from './reconciliation.projection';
import { ReconciliationReader } from './reconciliation.reader';
import { openedRecord, resolvedRecords } from './reconciliation-records';

export interface SweepReport {
  /** Why nothing was looked at, if so. */
  readonly skipped?: string;
  readonly opened: number;
  readonly resolved: number;
  /** Records the log already held (a repeated sweep, a restart, a rebuild): no second event. */
  readonly duplicates: number;
}

/** Items handled per round; a sweep runs rounds until nothing is due. */
const ROUND = 500;
/** How long a sweep waits for the projection to reach the head it saw. */
const CATCH_UP_MS = 10_000;

/**
 * The only part of reconciliation that knows the time. On a timer (injected
 * clock, CONCORD_RECONCILIATION_SWEEP_MS) it records `reconciliation.item-opened`
 * for every pending item whose grace has passed, and `item-resolved` for every
 * resolution the fold found, through the hub's own ingest path. It acts only
 * where the projection runs (the lease holder) and only on a projection that
 * has caught up with the log it saw: judging a half-applied log would announce
 * disagreements that later events already settled. Records are derived from
 * the fold alone, so a repeat is a `duplicate`.
 */
@Injectable()
export class ReconciliationSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reconciliation');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly reader: ReconciliationReader,
    private readonly projections: ProjectionsService,
    private readonly recorder: HubEventRecorder,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.CONCORD_RECONCILIATION_SWEEP_MS;
    if (!this.reader.enabled || !hasRole(this.config, 'project') || interval === 0) return;
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweep()
      .then((report) => {
        if (report.opened + report.resolved > 0) this.logger.log(`recorded ${report.opened} opened and ${report.resolved} resolved item(s)`);
      })
      .catch((error: unknown) => this.logger.error(`sweep failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One sweep, until nothing is due. Tests call it directly with a manual clock. */
  async sweep(): Promise<SweepReport> {
    const runner = this.projections.runners.get(RECONCILIATION);
    if (!runner) return { skipped: 'reconciliation is not configured', opened: 0, resolved: 0, duplicates: 0 };
    let opened = 0;
    let resolved = 0;
    let duplicates = 0;
    for (;;) {
      if (runner.currentState !== 'running') return { skipped: `the reconciliation projection is ${runner.currentState} here`, opened, resolved, duplicates };
      try {
        await runner.waitFor(await this.store.headPosition(), CATCH_UP_MS);
      } catch (error) {
        return { skipped: `the projection is behind the log (${error instanceof Error ? error.message : String(error)})`, opened, resolved, duplicates };
      }
      const now = this.clock.now().toISOString();
      const due = await this.reader.due(now, ROUND);
      const announcing = await this.reader.announcing(ROUND);
      const records = [...due.map(openedRecord), ...announcing.flatMap(resolvedRecords)];
      if (records.length === 0) return { opened, resolved, duplicates };
      const recorded = await this.recorder.record('reconciliation', records);
      recorded.forEach((result, i) => {
        if (result.status === 'duplicate') duplicates++;
        else if (i < due.length) opened++;
        else resolved++;
      });
      // Everything recorded was a duplicate: the projection has not applied the log's records yet; the next tick will.
      if (recorded.every((r) => r.status === 'duplicate') || (due.length < ROUND && announcing.length < ROUND)) {
        await runner.waitFor(Math.max(...recorded.map((r) => r.position)), CATCH_UP_MS).catch(() => undefined);
        return { opened, resolved, duplicates };
      }
    }
  }
}
