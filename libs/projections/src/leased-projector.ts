import type { Clock } from '@concord/common';
import type { ProjectionLease, ProjectionLeaseStore } from './projection-lease.port';
import type { ProjectionRunner } from './projection-runner';

export interface LeasedProjectorOptions {
  readonly leases: ProjectionLeaseStore;
  /** This process, unique among all projectors (host, pid and a random part). */
  readonly owner: string;
  readonly clock: Clock;
  /** How long a lease lives unless renewed: a standby takes over at most this long (plus one round) after the holder died. */
  readonly ttlMs: number;
  /** How often the holder renews and a standby tries to take over. Default a third of the time to live. */
  readonly roundEveryMs?: number;
  /** Told when this process becomes the active projector or stops being it (for logs). */
  readonly onChange?: (change: LeaseChange) => void;
}

export type LeaseChange =
  | { readonly kind: 'acquired'; readonly projection: string; readonly lease: ProjectionLease }
  | { readonly kind: 'lost'; readonly projection: string; readonly reason: string }
  | { readonly kind: 'released'; readonly projection: string }
  | { readonly kind: 'error'; readonly projection: string; readonly message: string };

/**
 * Runs a projection only while this process holds its lease. Each round (on a
 * timer) the holder renews; a standby tries to take the lease and, once it has
 * it, starts the runner from the stored checkpoint with the lease as its fence.
 * A holder that cannot renew steps down; one that was cut off and kept going is
 * stopped by the store itself, which refuses its fenced writes.
 */
export class LeasedProjector {
  private held: ProjectionLease | undefined;
  private lastSeen: ProjectionLease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  /** Holding the lease, the runner's start has yet to succeed (an outage cut it short). */
  private startPending = false;

  constructor(
    readonly runner: ProjectionRunner,
    private readonly options: LeasedProjectorOptions,
  ) {}

  get active(): boolean {
    return this.held !== undefined && this.runner.currentState !== 'standby';
  }

  /** The lease as this process last saw it (its own, or the other holder's). */
  get lease(): ProjectionLease | undefined {
    return this.held ?? this.lastSeen;
  }

  /** One round now (so a lone instance starts projecting at once), then one per interval. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    const every = this.options.roundEveryMs ?? Math.max(1, Math.floor(this.options.ttlMs / 3));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  /** One round: renew or step down when active, try to take over when standby. Rounds never overlap. */
  async tick(): Promise<void> {
    if (!this.round) {
      this.round = this.playRound().finally(() => {
        this.round = undefined;
      });
    }
    await this.round;
  }

  /** Clean shutdown: stop projecting, then give the lease up so a standby need not wait for it to lapse. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.round;
    const held = this.held;
    await this.runner.stop();
    if (held) {
      this.held = undefined;
      await this.options.leases.releaseLease(this.name, held, this.now());
      this.options.onChange?.({ kind: 'released', projection: this.name });
    }
  }

  private get name(): string {
    return this.runner.projection.name;
  }

  private async playRound(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.held && !(await this.keep(this.held))) {
        this.held = undefined;
        await this.runner.standBy();
      }
      if (!this.held) await this.tryToTakeOver();
      // A start cut short by an outage is retried; a projection that failed on an event waits for resume,
      // and a runner stopped on purpose (a rebuild in progress) is left alone.
      else if (this.startPending) await this.startRunner();
    } catch (error) {
      this.options.onChange?.({ kind: 'error', projection: this.name, message: describe(error) });
    }
  }

  /** Renews the lease; false when it is gone (taken over, or unrenewable past its expiry). */
  private async keep(held: ProjectionLease): Promise<boolean> {
    const at = this.now();
    let renewed: ProjectionLease | undefined;
    try {
      renewed = this.runner.currentState === 'standby' ? undefined : await this.options.leases.renewLease(this.name, held, at, this.options.ttlMs);
    } catch (error) {
      // The store is unreachable: keep going while the lease is surely ours, step down once it may not be.
      if (Date.parse(at) < Date.parse(held.expiresAt)) return true;
      this.options.onChange?.({ kind: 'lost', projection: this.name, reason: `could not renew before expiry: ${describe(error)}` });
      return false;
    }
    if (renewed) {
      this.held = renewed;
      return true;
    }
    this.options.onChange?.({ kind: 'lost', projection: this.name, reason: 'another projector took the lease over' });
    return false;
  }

  private async tryToTakeOver(): Promise<void> {
    let attempt;
    try {
      attempt = await this.options.leases.acquireLease({ name: this.name, owner: this.options.owner, at: this.now(), ttlMs: this.options.ttlMs });
    } catch {
      return; // the store is unreachable: try again next round
    }
    if (!attempt.acquired) {
      this.lastSeen = attempt.holder;
      if (this.runner.currentState !== 'standby') await this.runner.standBy();
      return;
    }
    this.held = attempt.lease;
    this.runner.useFence(attempt.lease);
    this.startPending = true;
    await this.startRunner();
  }

  private async startRunner(): Promise<void> {
    await this.runner.start();
    this.startPending = false;
    if (this.runner.currentState === 'standby') {
      this.held = undefined; // taken over between acquiring and starting
      return;
    }
    if (this.held) this.options.onChange?.({ kind: 'acquired', projection: this.name, lease: this.held });
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
