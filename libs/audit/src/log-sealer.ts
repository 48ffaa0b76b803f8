import type { Clock } from '@concord/common';
import { hasHashFeed, type EventStore, type PositionedHash } from '@concord/event-store';
import { LOG_DIGEST_GENESIS, nextLogDigest } from './log-digest';
import { publicKeysOf, sealSignatureProblem, signSeal, type Seal, type SealKey } from './seal';
import type { SealStore } from './seal-store';

interface DigestState {
  readonly position: number;
  readonly events: number;
  readonly digest: string;
  readonly lastSeal: Seal | undefined;
}

export interface SealerStatus {
  /** The last position folded into the log digest. */
  readonly recordedUpTo: number;
  /** 0: only on demand. */
  readonly sealEveryEvents: number;
  readonly lastSeal?: Seal;
}

/**
 * Keeps the log digest up to date and signs it: every `sealEvery` events (at
 * exactly events N, 2N, 3N… of the log, so where seals fall does not depend on
 * batching), and on demand. Resumes from its last seal after a restart. One
 * operation at a time: the live feed and on-demand seals never interleave.
 */
export class LogSealer {
  private state: DigestState | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: EventStore,
    private readonly seals: SealStore,
    private readonly key: SealKey,
    private readonly clock: Clock,
    private readonly sealEvery: number,
  ) {}

  /** Folds events (or just their stored hashes) of the live feed, ordered, possibly already folded, and seals where due; returns the seals made. */
  fold(events: readonly PositionedHash[]): Promise<Seal[]> {
    return this.serialised(async () => {
      const made: Seal[] = [];
      let state = await this.current();
      for (const event of events) {
        if (event.position <= state.position) continue;
        state = this.foldOne(state, event, made);
      }
      await this.keep(made, state);
      return made;
    });
  }

  /**
   * Folds everything up to the head and seals the digest there. Answers the
   * existing seal (created: false) when the head is sealed already; refuses an empty log.
   */
  sealNow(): Promise<{ seal: Seal; created: boolean }> {
    return this.serialised(async () => {
      const state = await this.catchUp();
      if (state.lastSeal && state.lastSeal.position === state.position) return { seal: state.lastSeal, created: false };
      if (state.events === 0) throw new NothingToSealError();
      const seal = this.sign(state);
      await this.keep([seal], { ...state, lastSeal: seal });
      return { seal, created: true };
    });
  }

  /** Folds up to the head (sealing where due) without an extra seal. */
  catchUpNow(): Promise<SealerStatus> {
    return this.serialised(async () => this.statusOf(await this.catchUp()));
  }

  async status(): Promise<SealerStatus> {
    return this.statusOf(this.state ?? (await this.serialised(() => this.current())));
  }

  /** Where the live feed should start. */
  async foldedUpTo(): Promise<number> {
    return (await this.serialised(() => this.current())).position;
  }

  private statusOf(state: DigestState): SealerStatus {
    return { recordedUpTo: state.position, sealEveryEvents: this.sealEvery, ...(state.lastSeal ? { lastSeal: state.lastSeal } : {}) };
  }

  private async catchUp(): Promise<DigestState> {
    let state = await this.current();
    const head = await this.log.headPosition();
    const made: Seal[] = [];
    while (state.position < head) {
      const page = await this.readPage(state.position);
      if (page.length === 0) break;
      for (const event of page) {
        if (event.position > head) break;
        state = this.foldOne(state, event, made);
      }
      await this.keep(made.splice(0), state);
      if (page.at(-1)!.position >= head) break;
    }
    return state;
  }

  /** The digest needs stored hashes only: read just those where the store can. */
  private readPage(after: number): Promise<readonly PositionedHash[]> {
    return hasHashFeed(this.log) ? this.log.readHashes({ after, limit: 1000 }) : this.log.readAll({ after, limit: 1000 });
  }

  private foldOne(state: DigestState, event: PositionedHash, made: Seal[]): DigestState {
    const next: DigestState = { ...state, position: event.position, events: state.events + 1, digest: nextLogDigest(state.digest, event.position, event.hash) };
    if (this.sealEvery > 0 && next.events % this.sealEvery === 0) {
      const seal = this.sign(next);
      made.push(seal);
      return { ...next, lastSeal: seal };
    }
    return next;
  }

  private sign(state: DigestState): Seal {
    return signSeal(this.key, {
      seq: (state.lastSeal?.seq ?? 0) + 1,
      position: state.position,
      events: state.events,
      digest: state.digest,
      sealedAt: this.clock.now().toISOString(),
    });
  }

  /**
   * Stores the seals made in one go (one transaction, one fsync, however many fell due), and only then
   * moves the digest state on: when storing fails, nothing folded since the last stored seal counts.
   */
  private async keep(seals: readonly Seal[], state: DigestState): Promise<void> {
    if (seals.length > 0) await this.seals.append(...seals);
    this.state = state;
  }

  private async current(): Promise<DigestState> {
    if (this.state) return this.state;
    const last = await this.seals.last();
    // Carrying on from a seal that is not ours as signed would sign a forged digest onwards.
    const problem = last && last.keyId === this.key.keyId ? sealSignatureProblem(last, publicKeysOf([this.key.publicKey])) : undefined;
    if (problem) throw new SealsTamperedError(problem);
    this.state = last
      ? { position: last.position, events: last.events, digest: last.digest, lastSeal: last }
      : { position: 0, events: 0, digest: LOG_DIGEST_GENESIS, lastSeal: undefined };
    return this.state;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export class NothingToSealError extends Error {
  override readonly name = 'NothingToSealError';
  constructor() {
    super('the log is empty: there is nothing to seal yet');
  }
}

/** The newest stored seal does not verify under this hub's key: the seal file was edited. Sealing stops until someone looks. */
export class SealsTamperedError extends Error {
  override readonly name = 'SealsTamperedError';
  constructor(problem: string) {
    super(`the seal store was changed behind the hub's back, sealing stops: ${problem}`);
  }
}
