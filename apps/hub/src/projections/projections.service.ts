import { Inject, Injectable, Logger, NotFoundException, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { upcastEvent, type ContractRegistry } from '@concord/contracts';
import { EVENT_STORE, type EventStore, type StoredEvent } from '@concord/event-store';
import { ProjectionRunner, READ_MODEL_STORE, type ProjectionStatus, type ReadModelStore } from '@concord/projections';
import { CONTRACT_REGISTRY } from '../storage/storage.module';
import { hubProjections } from './hub-projections';

/** The read side of an event: what every projection and time-travel fold sees. */
export function prepareForReading(registry: ContractRegistry): (event: StoredEvent) => StoredEvent {
  return (event) => upcastEvent(registry, event);
}

/**
 * Runs every projection in this process, each on its own loop: a slow or
 * failed projection holds up neither ingestion nor the others.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  readonly runners: ReadonlyMap<string, ProjectionRunner>;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CONTRACT_REGISTRY) registry: ContractRegistry,
    @Inject(CLOCK) clock: Clock,
  ) {
    const prepare = prepareForReading(registry);
    this.runners = new Map(
      hubProjections(registry).map((projection) => [projection.name, new ProjectionRunner(projection, { store, readModels, clock, prepare })]),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const runner of this.runners.values()) await runner.start();
    this.logger.log(`running ${[...this.runners.keys()].join(', ')}`);
  }

  /** Runners stop before the read-model store closes, so no batch is cut off mid-commit. */
  async onApplicationShutdown(): Promise<void> {
    for (const runner of this.runners.values()) await runner.stop();
    await this.readModels.close();
  }

  runner(name: string): ProjectionRunner {
    const runner = this.runners.get(name);
    if (!runner) throw new NotFoundException(`no projection named ${JSON.stringify(name)} (known: ${[...this.runners.keys()].join(', ')})`);
    return runner;
  }

  async statuses(): Promise<ProjectionStatus[]> {
    return Promise.all([...this.runners.values()].map((runner) => runner.status()));
  }

  /** Resolves when every projection has applied the log up to `position` (or throws if one failed). */
  async waitForAll(position: number, timeoutMs?: number): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.waitFor(position, timeoutMs)));
  }
}
