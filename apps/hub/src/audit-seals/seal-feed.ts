import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { EVENT_STORE, hasHashFeed, type EventStore, type PositionedHash, type Subscription } from '@concord/event-store';
import { LogSealer } from '@concord/audit';
import { HubStatusRegistry, type HubStatusContributor, type StatusSection } from '../operations/hub-status';

/** Hashes folded at most per read. */
const FOLD_BATCH = 20_000;

/**
 * Pause after each fold. Woken by every group commit, the feed folded a few hundred events and stored a seal at a
 * time, each with its own fsync on the main thread; a pause lets a fold take what arrived meanwhile and store the
 * seals that fell due in one transaction. Seals still fall at exactly N, 2N, … and are never lost: they are only
 * written up to this much later.
 */
const FOLD_PAUSE_MS = 200;

/** A timer that shutdown can cut short. */
class InterruptiblePause {
  private stopped = false;
  private wake: (() => void) | undefined;

  wait(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  interrupt(): void {
    this.stopped = true;
    this.wake?.();
  }
}

/**
 * Feeds the live log to the sealer, so seals follow every N events. A failure
 * halts sealing (stated in /v1/status and GET /v1/audit/seals) instead of being
 * retried silently: a seal that cannot be written is something an operator must see.
 */
@Injectable()
export class SealFeed implements OnApplicationBootstrap, BeforeApplicationShutdown, HubStatusContributor {
  readonly name = 'seals';
  private readonly logger = new Logger('Seals');
  private subscription: Subscription<PositionedHash> | undefined;
  private running: Promise<void> | undefined;
  private haltedBy: { readonly message: string } | undefined;
  private readonly pause = new InterruptiblePause();

  constructor(
    private readonly sealer: LogSealer,
    @Inject(EVENT_STORE) private readonly log: EventStore,
    private readonly statuses: HubStatusRegistry,
    @Inject('SEAL_EVERY_EVENTS') private readonly sealEvery: number,
  ) {}

  get halted(): { readonly message: string } | undefined {
    return this.haltedBy;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.statuses.register(this);
    if (this.sealEvery <= 0) return;
    let after: number;
    try {
      after = await this.sealer.foldedUpTo();
    } catch (error) {
      // The hub serves on (the log is unaffected); sealing waits for an operator.
      this.haltedBy = { message: (error as Error).message };
      this.logger.error(`sealing halted: ${(error as Error).message}`);
      return;
    }
    // The digest folds stored hashes only; reading whole events for them was most of the sealer's cost.
    const options = { after, batchSize: FOLD_BATCH };
    const subscription: Subscription<PositionedHash> = hasHashFeed(this.log) ? this.log.subscribeToHashes(options) : this.log.subscribe(options);
    this.subscription = subscription;
    this.running = (async () => {
      try {
        for await (const batch of subscription) {
          for (const seal of await this.sealer.fold(batch)) this.logger.log(`sealed the log at position ${seal.position} (seal #${seal.seq}, ${seal.events} events, key ${seal.keyId})`);
          await this.pause.wait(FOLD_PAUSE_MS);
        }
      } catch (error) {
        if (this.subscription) {
          this.haltedBy = { message: (error as Error).message };
          this.logger.error(`sealing halted: ${(error as Error).message}`);
        }
      }
    })();
  }

  /** Before the stores close: the feed must stop first. */
  async beforeApplicationShutdown(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.close();
    this.pause.interrupt();
    await this.running;
  }

  async status(): Promise<StatusSection> {
    const status = await this.sealer.status().catch((error: unknown) => {
      this.haltedBy ??= { message: (error as Error).message };
      return { sealEveryEvents: this.sealEvery, recordedUpTo: 0, lastSeal: undefined };
    });
    const head = await this.log.headPosition();
    const details = { sealEveryEvents: status.sealEveryEvents, recordedUpTo: status.recordedUpTo, lastSeal: status.lastSeal ? { seq: status.lastSeal.seq, position: status.lastSeal.position, sealedAt: status.lastSeal.sealedAt } : null };
    if (this.haltedBy) return { severity: 'critical', summary: `sealing halted: ${this.haltedBy.message}`, details };
    if (!status.lastSeal) return { severity: 'ok', summary: head === 0 ? 'nothing to seal yet' : `the log is not sealed yet (${head} events; POST /v1/audit/seals seals it now)`, details };
    return { severity: 'ok', summary: `last seal #${status.lastSeal.seq} at position ${status.lastSeal.position} (${status.lastSeal.sealedAt})`, details };
  }

  registerMetrics(registry: Registry): void {
    const sealer = this.sealer;
    const halted = () => this.haltedBy !== undefined;
    new Gauge({
      name: 'concord_seal_last_position',
      help: 'Log position of the newest seal (0: not sealed yet)',
      registers: [registry],
      async collect() {
        const status = await sealer.status().catch(() => undefined);
        this.set(status?.lastSeal?.position ?? 0);
      },
    });
    new Gauge({
      name: 'concord_seal_halted',
      help: '1 when sealing has stopped (the reason is in /v1/status)',
      registers: [registry],
      collect() {
        this.set(halted() ? 1 : 0);
      },
    });
  }
}
