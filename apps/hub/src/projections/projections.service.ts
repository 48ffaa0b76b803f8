import { ConflictException, Inject, Injectable, Logger, NotFoundException, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { upcastEvent, type ContractRegistry } from '@concord/contracts';
import { EVENT_STORE, type EventStore, type StoredEvent } from '@concord/event-store';
import { KEY_VAULT, revealPersonalData, type KeyVault } from '@concord/personal-data';
import {
  LeasedProjector,
  ProjectionRunner,
  READ_MODEL_STORE,
  SharedLogFeed,
  type LeaseChange,
  type ProjectionDefinition,
  type ProjectionStatus,
  type ReadModelStore,
} from '@concord/projections';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import type { FlowRules } from '../flows/flow-rules';
import { FLOW_RULES } from '../flows/stuck-flows';
import { hasRole } from '../roles/hub-roles';
import { CONTRACT_REGISTRY, LOG_FEED } from '../storage/storage.module';
import { reconciliationRulesFor } from '../reconciliation/reconciliation-rules';
import { EXTRA_PROJECTIONS, hubProjections } from './hub-projections';

export const INSTANCE_ID = Symbol('InstanceId');

/**
 * The read side of an event: what every projection, time-travel fold, audit
 * read and replay sees. Personal fields are opened (or read as "[erased]") here
 * and nowhere else, with the contract version they were stored in, then the
 * data is upcast to the latest version.
 */
export function prepareForReading(registry: ContractRegistry, keys: Pick<KeyVault, 'readKey' | 'revision'>): (event: StoredEvent) => StoredEvent {
  const reveal = revealPersonalData(registry, keys);
  return (event) => upcastEvent(registry, reveal(event));
}

/** What the live runners share: the log, the read-model store, the clock, and what opens events for reading. */
export interface LiveRunnerSettings {
  readonly store: EventStore;
  /** The live log read once for all of them: a SharedLogFeed. */
  readonly feed: Pick<EventStore, 'subscribe'>;
  readonly readModels: ReadModelStore;
  readonly clock: Clock;
  readonly registry: ContractRegistry;
  readonly keys: KeyVault;
  readonly batchSize?: number;
}

/** One runner per projection, as the hub runs them live (the live projections benchmark builds the same). */
export function liveProjectionRunners(projections: readonly ProjectionDefinition[], settings: LiveRunnerSettings): ProjectionRunner[] {
  const { store, feed, readModels, clock, batchSize } = settings;
  const prepare = prepareForReading(settings.registry, settings.keys);
  return projections.map((projection) => new ProjectionRunner(projection, { store, feed, readModels, clock, prepare, ...(batchSize ? { batchSize } : {}) }));
}

export interface ProjectionStatusWithProjector extends ProjectionStatus {
  /** Who runs the projection (the lease holder), and whether that is the instance answering. */
  readonly projector: { readonly instance: string | null; readonly leaseExpiresAt: string | null; readonly thisInstance: boolean };
}

/**
 * Runs every projection, each on its own loop, when this instance has the
 * `project` role: a slow or failed projection holds up neither ingestion nor
 * the others. Each runs under a lease, so however many instances have the role,
 * one projects and the others stand by to take over. Without the role, the
 * runners only report status from the store.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  readonly runners: ReadonlyMap<string, ProjectionRunner>;
  private readonly projectors: ReadonlyMap<string, LeasedProjector>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(LOG_FEED) feed: SharedLogFeed,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CONTRACT_REGISTRY) registry: ContractRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONCORD_CONFIG) config: ConcordConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(KEY_VAULT) keys: KeyVault,
    @Optional() @Inject(EXTRA_PROJECTIONS) extra: readonly ProjectionDefinition[] = [],
    @Optional() @Inject(FLOW_RULES) flowRules?: FlowRules,
  ) {
    const projections = [...hubProjections(registry, { reconciliationRules: reconciliationRulesFor(config), ...(flowRules ? { flowRules } : {}) }), ...extra];
    this.runners = new Map(liveProjectionRunners(projections, { store, feed, readModels, clock, registry, keys }).map((runner) => [runner.projection.name, runner]));
    const projecting = hasRole(config, 'project');
    this.projectors = new Map(
      projecting
        ? [...this.runners].map(([name, runner]) => [
            name,
            new LeasedProjector(runner, { leases: readModels, owner: instanceId, clock, ttlMs: config.CONCORD_PROJECTION_LEASE_MS, onChange: (c) => this.log(c) }),
          ])
        : [],
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.projectors.size === 0) {
      this.logger.log('not projecting here (no project role): reporting projection status from the read-model store');
      return;
    }
    for (const projector of this.projectors.values()) await projector.start();
    const active = [...this.projectors].filter(([, p]) => p.active).map(([name]) => name);
    const standby = [...this.projectors].filter(([, p]) => !p.active).map(([name]) => name);
    this.logger.log(`instance ${this.instanceId}: running ${active.join(', ') || 'none'}${standby.length ? `; standing by for ${standby.join(', ')}` : ''}`);
  }

  /** Runners stop (and leases are released) before the read-model store closes, so no batch is cut off mid-commit. */
  async onApplicationShutdown(): Promise<void> {
    for (const projector of this.projectors.values()) await projector.stop();
    await this.readModels.close();
  }

  runner(name: string): ProjectionRunner {
    const runner = this.runners.get(name);
    if (!runner) throw new NotFoundException(`no projection named ${JSON.stringify(name)} (known: ${[...this.runners.keys()].join(', ')})`);
    return runner;
  }

  /** Whether this instance holds the projection's lease and runs it now. */
  isActiveHere(name: string): boolean {
    return this.projectors.get(name)?.active ?? false;
  }

  /** The runner of a projection this instance actively runs: rebuilds and resumes go to the lease holder only. */
  async activeRunner(name: string): Promise<ProjectionRunner> {
    const runner = this.runner(name);
    const projector = this.projectors.get(name);
    if (!projector) throw new ConflictException(`this instance does not run projections (CONCORD_ROLES has no project); send this to a projector instance`);
    if (!projector.active) {
      const holder = (await this.readModels.lease(name))?.owner ?? 'nobody yet';
      throw new ConflictException(`projection ${name} is run by instance ${holder}, not by this one (${this.instanceId}); send this to that instance`);
    }
    return runner;
  }

  async statuses(): Promise<ProjectionStatusWithProjector[]> {
    return Promise.all([...this.runners.values()].map((runner) => this.status(runner)));
  }

  /** Resolves when every projection has applied the log up to `position` (or throws if one failed). */
  async waitForAll(position: number, timeoutMs?: number): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.waitFor(position, timeoutMs)));
  }

  private async status(runner: ProjectionRunner): Promise<ProjectionStatusWithProjector> {
    const name = runner.projection.name;
    const here = this.projectors.get(name)?.active ?? false;
    const [status, lease] = await Promise.all([runner.status(), this.readModels.lease(name)]);
    const live = lease !== undefined && (here || Date.parse(lease.expiresAt) > this.clock.now().getTime());
    const projector = { instance: live ? lease.owner : null, leaseExpiresAt: lease?.expiresAt ?? null, thisInstance: here };
    if (here) return { ...status, projector };
    // Another instance runs it (or nobody does): its state and last error are the ones in the store.
    const stored = await this.readModels.checkpoint(name);
    const { lastError: _local, ...rest } = status;
    return { ...rest, state: stored?.state ?? 'stopped', ...(stored?.lastError ? { lastError: stored.lastError } : {}), projector };
  }

  private log(change: LeaseChange): void {
    if (change.kind === 'acquired') this.logger.log(`${change.projection}: this instance (${this.instanceId}) now runs it (lease token ${change.lease.token}, until ${change.lease.expiresAt} unless renewed)`);
    else if (change.kind === 'lost') this.logger.warn(`${change.projection}: lease lost (${change.reason}); standing by`);
    else if (change.kind === 'released') this.logger.log(`${change.projection}: lease released`);
    else this.logger.error(`${change.projection}: ${change.message}`);
  }
}
