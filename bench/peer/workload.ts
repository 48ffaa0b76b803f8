/**
 * The data both systems store in the peer comparison: the same business event i for each
 * (an order's status change, 1,000 orders, five statuses), so appends and projections do the same work.
 */

export const ORDERS = 1000;
export const STATUSES = ['OPEN', 'PICKING', 'SHIPPED', 'DELIVERED', 'INVOICED'] as const;

export interface WorkloadEvent {
  readonly n: number;
  readonly stream: string;
  readonly order: string;
  readonly type: 'order.status-changed';
  readonly data: { readonly status: string; readonly reason: string };
}

export function workloadEvent(n: number): WorkloadEvent {
  const order = `SO-${n % ORDERS}`;
  return { n, stream: `order-${order}`, order, type: 'order.status-changed', data: { status: STATUSES[n % STATUSES.length]!, reason: `step ${n % 7}` } };
}

/** What a count-per-status projection must hold after events 0..count-1: the check both systems pass. */
export function expectedStatusCounts(count: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let n = 0; n < count; n++) {
    const { status } = workloadEvent(n).data;
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

/** One system under comparison, in one process, on files in `dir`. */
export interface PeerSystem {
  /** Gets the system ready outside the measurement (a writer thread started, a schema created). */
  warmUp(): Promise<void>;
  /** Appends events from..from+count-1 as one call (one stream: the first event's). */
  append(from: number, count: number): Promise<void>;
  /** Replays the whole log into a count-per-status read model, from zero, until `total` events are applied. */
  projectStatusCounts(total: number): Promise<void>;
  /** What the log holds, to prove nothing was lost or doubled. */
  storedEvents(): Promise<number>;
  statusCounts(): Promise<Record<string, number>>;
  /** Retries the system needed (a peer's transient errors), reported next to its figures. */
  readonly retries: number;
  close(): Promise<void>;
}
