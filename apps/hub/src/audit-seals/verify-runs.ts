import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { CLOCK, type Clock } from '@concord/common';
import { EVENT_STORE, SqliteEventStore, type EventStore } from '@concord/event-store';
import { allSeals, publicKeysOf, SEAL_STORE, verifyLog, type BrokenLink, type SealKey, type SealStore } from '@concord/audit';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';

export interface VerifyRun {
  readonly state: 'idle' | 'running' | 'ok' | 'broken' | 'failed';
  readonly checked?: number;
  readonly total?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly events?: number;
  readonly streams?: number;
  readonly seals?: { readonly total: number; readonly matched: number; readonly unsealedEvents: number };
  readonly broken?: BrokenLink;
  /** Why the run could not finish (state failed). */
  readonly error?: string;
}

/**
 * `POST /v1/audit/verify` runs the same verification as `npm run concord -- verify`
 * in the background (worker threads on SQLite), one at a time; `GET` shows the
 * latest run. It trusts the hub's own key: an auditor who does not trust the hub
 * runs the standalone verifier on an export instead.
 */
@Injectable()
export class VerifyRuns implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Verify');
  private latest: VerifyRun = { state: 'idle' };
  private running: Promise<void> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly log: EventStore,
    @Inject(SEAL_STORE) private readonly seals: SealStore,
    @Inject('SEAL_KEY') private readonly key: SealKey,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
  ) {}

  current(): VerifyRun {
    return this.latest;
  }

  /** Starts a run unless one is running; answers the run either way. */
  start(): VerifyRun {
    if (this.latest.state === 'running') return this.latest;
    const startedAt = this.clock.now().toISOString();
    this.latest = { state: 'running', startedAt, checked: 0 };
    this.running = this.run(startedAt);
    return this.latest;
  }

  /** Resolves when the current run (if any) has finished. */
  async settled(): Promise<VerifyRun> {
    await this.running;
    return this.latest;
  }

  private async run(startedAt: string): Promise<void> {
    try {
      const seals = await allSeals(this.seals);
      const keys = publicKeysOf([this.key.publicKey]);
      const onProgress = (checked: number, total: number) => {
        if (this.latest.state === 'running') this.latest = { ...this.latest, checked, total };
      };
      const log =
        this.log instanceof SqliteEventStore && this.config.CONCORD_EVENT_STORE === 'sqlite'
          ? ({ kind: 'sqlite-file', file: join(this.config.CONCORD_DATA_DIR, 'events.db') } as const)
          : ({ kind: 'event-store', store: this.log, consecutivePositions: this.log instanceof SqliteEventStore } as const);
      const report = await verifyLog({ log, seals, keys, onProgress });
      this.latest = {
        state: report.ok ? 'ok' : 'broken',
        startedAt,
        finishedAt: this.clock.now().toISOString(),
        checked: report.events,
        total: report.head,
        events: report.events,
        streams: report.streams,
        seals: { total: report.seals.total, matched: report.seals.matched, unsealedEvents: report.seals.unsealedEvents },
        ...(report.broken ? { broken: report.broken } : {}),
      };
      if (report.broken) this.logger.error(`verification found a broken log at position ${report.broken.position}: ${report.broken.message}`);
    } catch (error) {
      this.latest = { state: 'failed', startedAt, finishedAt: this.clock.now().toISOString(), error: (error as Error).message };
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.running;
  }
}
