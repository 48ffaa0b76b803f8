/**
 * Who may write a projection's read model. One projector holds the lease of a
 * projection at a time; it renews it on a timer well inside the time to live,
 * and a standby takes it over once it has lapsed.
 *
 * The token is the fencing token: it grows every time the lease changes hands
 * (or is taken again after it lapsed) and stays the same across renewals. Every
 * write of a leased projector carries its fence; the store checks it inside the
 * write's own transaction, so a projector that lost its lease (paused, cut off,
 * slow) cannot write after its successor started, whatever it believes.
 */
export interface LeaseFence {
  readonly owner: string;
  readonly token: number;
}

export interface ProjectionLease extends LeaseFence {
  readonly name: string;
  /** ISO-8601; measured on the clocks of the projectors (keep their skew well below the time to live). */
  readonly expiresAt: string;
}

export interface LeaseRequest {
  readonly name: string;
  readonly owner: string;
  /** ISO-8601 "now" from the caller's injected clock. */
  readonly at: string;
  readonly ttlMs: number;
}

export type LeaseAttempt =
  | { readonly acquired: true; readonly lease: ProjectionLease }
  | { readonly acquired: false; readonly holder: ProjectionLease };

export interface ProjectionLeaseStore {
  /**
   * Takes the lease when nobody holds a live one (or this owner already does: then it is a
   * renewal and the token stays). Otherwise reports the live holder.
   */
  acquireLease(request: LeaseRequest): Promise<LeaseAttempt>;
  /**
   * Extends a lease this fence still holds; undefined once someone else took it (the token moved
   * on). A lapsed lease nobody took is still this holder's: nobody else can have written meanwhile.
   */
  renewLease(name: string, fence: LeaseFence, at: string, ttlMs: number): Promise<ProjectionLease | undefined>;
  /** Gives the lease up at once (clean shutdown), so a standby need not wait for it to lapse. */
  releaseLease(name: string, fence: LeaseFence, at: string): Promise<void>;
  lease(name: string): Promise<ProjectionLease | undefined>;
}

/** A write carried a fence that no longer holds the projection's lease: it must not land. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export function leaseExpiry(at: string, ttlMs: number): string {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`a lease needs a positive time to live, got ${ttlMs}`);
  return new Date(Date.parse(at) + ttlMs).toISOString();
}

/** For adapters, inside the write's transaction: a fenced write lands only while its fence holds the lease. */
export function checkFence(name: string, fence: LeaseFence | undefined, current: LeaseFence | undefined): void {
  if (!fence || (current && current.owner === fence.owner && current.token === fence.token)) return;
  const holder = current ? `${current.owner} (token ${current.token})` : 'nobody';
  throw new LeaseLostError(`projection ${name}: lease held by ${holder}, not by ${fence.owner} (token ${fence.token}); this write must not land`);
}
