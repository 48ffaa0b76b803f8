import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { SeededIds, type ManualClock } from '@concord/common';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { SqliteEventStore, type Transport } from '@concord/event-store';
import { ProjectionRunner, SharedLogFeed, SqliteReadModelStore, type ProjectionDefinition } from '@concord/projections';
import type { CommandBus } from '@nestjs/cqrs';
import type { Principal } from '@concord/access';
import { SqliteKeyVault } from '@concord/personal-data';
import { SqliteQuarantineStore, type QuarantineEntry } from '@concord/quarantine';
import { HubEventRecorder } from '../../apps/hub/src/hub-events/hub-event-recorder';
import { IngestEventsCommand, type IngestResult } from '../../apps/hub/src/ingest/ingest-events.command';
import { IngestEventsHandler } from '../../apps/hub/src/ingest/ingest-events.handler';
import type { ConcordConfig } from '../../apps/hub/src/config/concord-config';
import { FlowSweeper, type SweepReport as FlowSweepReport } from '../../apps/hub/src/flows/flow-sweeper';
import { loadFlowRules } from '../../apps/hub/src/flows/flow-rules';
import { FLOWS_PROJECTION } from '../../apps/hub/src/flows/flows.projection';
import { StuckFlows, type StuckFlow } from '../../apps/hub/src/flows/stuck-flows';
import { hubProjections } from '../../apps/hub/src/projections/hub-projections';
import { prepareForReading, type ProjectionsService } from '../../apps/hub/src/projections/projections.service';
import { ReconciliationReader } from '../../apps/hub/src/reconciliation/reconciliation.reader';
import { RECONCILIATION } from '../../apps/hub/src/reconciliation/reconciliation.projection';
import { loadReconciliationRules } from '../../apps/hub/src/reconciliation/reconciliation-rules';
import { ReconciliationSweeper, type SweepReport } from '../../apps/hub/src/reconciliation/reconciliation-sweeper';
import { QuarantineReplayer, type ReplayReport } from '../../apps/hub/src/quarantine/quarantine-replayer';

export type WriterMode = 'inline' | 'thread';

export interface SimulatedHubOptions {
  readonly dir: string;
  readonly clock: ManualClock;
  readonly writer: WriterMode;
  /** Seeds the quarantine's id generator (ids are part of what a replay must reproduce). */
  readonly seed: number;
}

/** Thrown by the projection runner's commit seam: the process "dies" between applying a batch and committing it. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

export const registry = new ContractRegistry(exampleContracts);

/** The example rules the hub ships (config/reconciliation.yaml): orders must agree across erp, crm and billing. */
export const reconciliationRules = loadReconciliationRules(resolve(__dirname, '../../config/reconciliation.yaml'), true);

/** The example stuck-flow rules (config/flows.yaml): an ERP order reaches the CRM within 15 minutes. */
export const flowRules = loadFlowRules(resolve(__dirname, '../../config/flows.yaml'), registry);

const OPERATOR: Principal = { keyId: 'sim-operator', role: 'admin', sources: [] };

/**
 * The real hub's write and read path, in process, on files in a temporary
 * directory: the SQLite event log (with its writer thread or inline), the
 * quarantine in the same file, the ingest command handler every transport uses,
 * and every projection the hub runs, on their own read-model file. No Nest
 * container: the parts are wired as StorageModule and ProjectionsService wire them.
 * Projections run when told (`project`), so a run is deterministic.
 */
export class SimulatedHub {
  private crashNextProjectionCommit = false;
  private requests = 0;

  private constructor(
    private readonly options: SimulatedHubOptions,
    readonly store: SqliteEventStore,
    readonly quarantine: SqliteQuarantineStore,
    private readonly ingest: IngestEventsHandler,
    private readonly replayer: QuarantineReplayer,
    private readonly recorder: HubEventRecorder,
    readonly readModels: SqliteReadModelStore,
    readonly runners: readonly ProjectionRunner[],
    readonly keys: SqliteKeyVault,
  ) {}

  static async open(options: SimulatedHubOptions, restarts = 0): Promise<SimulatedHub> {
    // synchronous=NORMAL: crashes here are in-process, so fsync would only slow the runs; losing
    // power is the fault-injection suite's business.
    const store = SqliteEventStore.open(join(options.dir, 'events.db'), { clock: options.clock, writer: options.writer, synchronous: 'NORMAL' });
    const quarantine = new SqliteQuarantineStore(store.db, options.clock, new SeededIds(options.seed + restarts));
    // Subject keys from the seed, not the CSPRNG: a run must be reproducible (and the key bytes are not secret here).
    let keyCount = 0;
    const newKeyMaterial = () => createHash('sha256').update(`sim-key:${options.seed}:${restarts}:${keyCount++}`).digest();
    const keys = SqliteKeyVault.open(join(options.dir, 'keys.db'), { synchronous: 'NORMAL', newKeyMaterial, now: () => options.clock.now() });
    const ingest = new IngestEventsHandler(registry, store, quarantine, keys);
    // The one command the hub's own parts send (quarantine replay, the hub event recorder) goes to the real handler.
    const commands = { execute: (command: IngestEventsCommand) => ingest.execute(command) } as unknown as CommandBus;
    const recorder = new HubEventRecorder(commands);
    const replayer = new QuarantineReplayer(commands, recorder, quarantine, options.clock, new SeededIds(options.seed + 7919 * (restarts + 1)));
    const readModels = SqliteReadModelStore.open(join(options.dir, 'read-models.db'));
    // The runners' commit seam asks the hub whether to crash; the hub needs the runners: one late binding.
    const crashSwitch: { hub?: SimulatedHub } = {};
    const runners = SimulatedHub.runnersFor(store, keys, readModels, options.clock, (name) => crashSwitch.hub?.beforeCommit(name));
    const hub = new SimulatedHub(options, store, quarantine, ingest, replayer, recorder, readModels, runners, keys);
    crashSwitch.hub = hub;
    for (const runner of runners) await runner.load();
    return hub;
  }

  static runnersFor(
    store: SqliteEventStore,
    keys: SqliteKeyVault,
    readModels: SqliteReadModelStore,
    clock: ManualClock,
    beforeCommit?: (projection: string) => void,
  ): ProjectionRunner[] {
    const prepare = prepareForReading(registry, keys);
    // Following live, the runners share one read of the log, as in the hub (StorageModule's LOG_FEED).
    const feed = new SharedLogFeed({ store, batchSize: 4 });
    return hubProjections(registry, { reconciliationRules, flowRules }).map(
      (projection: ProjectionDefinition) =>
        // Small batches, so a crash can fall between two commits of one catch-up.
        new ProjectionRunner(projection, { store, feed, readModels, clock, prepare, batchSize: 4, ...(beforeCommit ? { beforeCommit } : {}) }),
    );
  }

  get dataDir(): string {
    return this.options.dir;
  }

  /** One delivery of these payloads, as one request would bring them (a batch is one IngestEventsCommand). */
  deliver(payloads: readonly unknown[]): Promise<IngestResult[]> {
    const transport: Transport = { kind: 'http', requestId: `sim-${this.requests++}` };
    return this.ingest.execute(new IngestEventsCommand(payloads.map((payload) => ({ payload, transport }))));
  }

  /** An operator's replay of a quarantined input, as it was or with a corrected payload. */
  replayQuarantined(entry: QuarantineEntry, correctedPayload?: Record<string, unknown>): Promise<ReplayReport> {
    return this.replayer.replay(entry, OPERATOR, correctedPayload);
  }

  /**
   * One run of the reconciliation sweeper (the part that knows the time): it records `item-opened` for
   * pending items past their grace and `item-resolved` for resolutions, through the hub's own ingest path.
   * It acts only on a projection that follows the log, so the runner follows it for the sweep.
   */
  async sweepReconciliation(): Promise<SweepReport> {
    await this.project('catch-up');
    const runner = this.runners.find((r) => r.projection.name === RECONCILIATION)!;
    const projections = { runners: new Map([[RECONCILIATION, runner]]) } as unknown as ProjectionsService;
    const sweeper = new ReconciliationSweeper(new ReconciliationReader(this.readModels, reconciliationRules), projections, this.recorder, this.store, this.options.clock, {} as ConcordConfig);
    await runner.start();
    try {
      return await sweeper.sweep();
    } finally {
      await runner.stop();
    }
  }

  /** GET /v1/flows/stuck at the current (virtual) time, every page. */
  async stuckFlows(): Promise<StuckFlow[]> {
    const page = await new StuckFlows(this.readModels, this.options.clock, flowRules).page({ limit: 500 });
    if (page.nextCursor) throw new Error('the simulation expects one page of stuck flows');
    return page.items;
  }

  /** One run of the stuck-flow sweeper at the current (virtual) time, while the projections follow the log as in the hub. */
  sweepFlows(): Promise<FlowSweepReport> {
    const projections = { isActiveHere: (name: string) => name === FLOWS_PROJECTION } as unknown as ProjectionsService;
    const stuck = new StuckFlows(this.readModels, this.options.clock, flowRules);
    const sweeper = new FlowSweeper(stuck, this.recorder, projections, flowRules, this.store, this.readModels, this.options.clock, {} as ConcordConfig);
    return this.whileFollowing(() => sweeper.sweep());
  }

  /**
   * Brings every projection up to the head: by catch-up (what the CLI and a restart do) or by
   * following the log live (the subscription the hub runs) until the head is reached.
   */
  async project(mode: 'catch-up' | 'live'): Promise<void> {
    const head = await this.store.headPosition();
    for (const runner of this.runners) {
      if (mode === 'catch-up') {
        await runner.catchUp();
        continue;
      }
      await runner.start();
      try {
        await runner.waitFor(head);
      } finally {
        await runner.stop();
      }
    }
  }

  /**
   * Runs `work` (deliveries) while every projection follows the log live, as in the hub, where
   * appends and the subscriptions' catch-up-then-live hand-over race; then lets them reach the head.
   */
  async whileFollowing<T>(work: () => Promise<T>): Promise<T> {
    for (const runner of this.runners) await runner.start();
    try {
      const result = await work();
      const head = await this.store.headPosition();
      for (const runner of this.runners) await runner.waitFor(head);
      return result;
    } finally {
      for (const runner of this.runners) await runner.stop();
    }
  }

  /**
   * The process dies. `duringProjection`: first a projection applies a batch and dies before its commit
   * (its documents and checkpoint must stay as they were). `inFlight` requests were handed to ingestion
   * but their answers never reached the client. Then every file is reopened by a new "process".
   */
  async crash(options: { readonly duringProjection: boolean; readonly inFlight: readonly unknown[]; readonly restarts: number }): Promise<SimulatedHub> {
    if (options.duringProjection) {
      this.crashNextProjectionCommit = true;
      try {
        await this.project('catch-up');
      } catch (error) {
        if (!(error instanceof SimulatedCrash)) throw error;
      }
      this.crashNextProjectionCommit = false;
    }
    // Answers to requests in flight are lost with the process; whether they were stored is for the client's retry to find out.
    const lost = options.inFlight.length > 0 ? this.deliver(options.inFlight).catch(() => undefined) : Promise.resolve(undefined);
    await this.shutdown();
    await lost;
    return SimulatedHub.open(this.options, options.restarts);
  }

  /** The projection runners are abandoned as they stand (a dead process stops nothing); the files are closed. */
  private async shutdown(): Promise<void> {
    await this.store.close();
    await this.readModels.close();
    await this.keys.close();
  }

  async close(): Promise<void> {
    for (const runner of this.runners) await runner.stop();
    await this.shutdown();
  }

  private beforeCommit(projection: string): void {
    if (this.crashNextProjectionCommit) throw new SimulatedCrash(`simulated crash before ${projection} committed`);
  }
}
