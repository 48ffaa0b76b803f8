import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from '@concord/projections';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { HubEventRecorder } from '../hub-events/hub-event-recorder';
import { ProjectionsService } from '../projections/projections.service';
import { decideSweep } from './flow-expectation';
import type { FlowRules } from './flow-rules';
import { FLOWS_PROJECTION, flowsProjectionVersion } from './flows.projection';
import { FLOW_RULES, StuckFlows } from './stuck-flows';

/** Facts stated per sweep at most; the rest waits for the next one. */
export const SWEEP_BATCH = 500;
/** How long a sweep waits for the projection to apply the log it saw (a lagging model would state flows overdue that are met). */
const CATCH_UP_MS = 10_000;

export type SweepReport =
  | { readonly swept: true; readonly at: string; readonly overdue: number; readonly cleared: number; readonly duplicates: number }
  | { readonly swept: false; readonly at: string; readonly reason: string };

/**
 * The only place where the time of day decides something about flows. On a timer
 * (CONCORD_FLOW_SWEEP_MS) and with the injected Clock, it reads the flows read model
 * once the projection has applied the whole log, and records `flow.overdue` /
 * `flow.cleared` as the hub's own events (source `concord`), which the projection
 * then applies: the model stays a pure fold of the log, and a sweep repeated by a
 * restart, a second instance or a race is a duplicate (ids and contents are derived
 * from the log). Runs on the instance that runs the flows projection (its lease
 * holder), appending through the shared HubEventRecorder.
 */
@Injectable()
export class FlowSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Flows');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;
  private last: SweepReport | undefined;

  constructor(
    private readonly stuck: StuckFlows,
    private readonly recorder: HubEventRecorder,
    private readonly projections: ProjectionsService,
    @Inject(FLOW_RULES) private readonly rules: FlowRules,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.rules.rules.length === 0) return;
    this.logger.log(`stuck-flow detection: ${this.rules.rules.length} rules (${this.rules.version}) from ${this.rules.file}, swept every ${this.config.CONCORD_FLOW_SWEEP_MS} ms`);
    this.timer = setInterval(() => void this.sweepSafely(), this.config.CONCORD_FLOW_SWEEP_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  get lastSweep(): SweepReport | undefined {
    return this.last;
  }

  /** One sweep; concurrent calls share the one in progress. */
  sweep(): Promise<SweepReport> {
    this.running ??= this.sweepOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepSafely(): Promise<void> {
    try {
      const report = await this.sweep();
      if (!report.swept) this.logger.debug(`sweep skipped: ${report.reason}`);
    } catch (error) {
      // The next tick retries; facts stated before the failure are duplicates then.
      this.logger.error(`stuck-flow sweep failed: ${(error as Error).message}`);
    }
  }

  private async sweepOnce(): Promise<SweepReport> {
    if (!this.projections.isActiveHere(FLOWS_PROJECTION)) {
      return this.report({ swept: false, at: this.clock.now().toISOString(), reason: 'another instance runs the flows projection and sweeps' });
    }
    const head = await this.store.headPosition();
    const behind = await this.waitForProjection(head);
    if (behind) return this.report({ swept: false, at: this.clock.now().toISOString(), reason: behind });
    const now = this.clock.now();
    const decided = decideSweep(await this.stuck.toState(now, SWEEP_BATCH), now);
    const results = await this.recorder.record('flows', decided);
    const count = (type: string) => decided.filter((e, i) => e.type === type && results[i]!.status === 'appended').length;
    const report = { swept: true as const, at: now.toISOString(), overdue: count('flow.overdue'), cleared: count('flow.cleared'), duplicates: results.filter((r) => r.status === 'duplicate').length };
    if (report.overdue + report.cleared > 0) this.logger.log(`stated ${report.overdue} flows overdue and ${report.cleared} cleared`);
    return this.report(report);
  }

  private report(report: SweepReport): SweepReport {
    this.last = report;
    return report;
  }

  /** Undefined once the flows projection (of these rules) has applied `head`; else why it did not in time. */
  private async waitForProjection(head: number): Promise<string | undefined> {
    const version = flowsProjectionVersion(this.rules);
    const deadline = Date.now() + CATCH_UP_MS;
    for (;;) {
      const checkpoint = await this.readModels.checkpoint(FLOWS_PROJECTION);
      if (checkpoint?.state === 'failed') return `the flows projection failed at position ${checkpoint.lastError?.position}: ${checkpoint.lastError?.message}`;
      if (checkpoint && checkpoint.version === version && checkpoint.position >= head) return undefined;
      if (Date.now() > deadline) return `the flows projection is at ${checkpoint?.position ?? 0} (version ${checkpoint?.version ?? '-'}), the log at ${head}`;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

}
