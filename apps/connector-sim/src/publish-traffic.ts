import { countByStatus, subjectKey, type EventPublisher, type FailedResult, type PublishResult, type RejectedResult } from '@concord/connector-sdk';
import type { Delivery } from './traffic';

export interface PublishPlan {
  /**
   * Parallel senders. A subject always goes through the same lane, so its
   * events keep their delivery order; lanes only run side by side.
   */
  readonly lanes: number;
  /** Deliveries per publish() call. */
  readonly batchSize: number;
  /** Overall events per second; unset: as fast as the hub answers. */
  readonly ratePerSecond?: number;
  /** Milliseconds on a monotonic clock (performance.now by default); injected with sleep for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told after every publish() call: for progress lines and latency measurements. */
  readonly onBatch?: (batch: BatchReport) => void;
}

export interface BatchReport {
  readonly lane: number;
  readonly deliveries: readonly Delivery[];
  readonly results: readonly PublishResult[];
  readonly sentAt: number;
  readonly answeredAt: number;
}

export interface RunReport {
  readonly deliveries: number;
  readonly counts: Record<PublishResult['status'], number>;
  readonly seconds: number;
  /** The first few of each, to show what went wrong. */
  readonly failed: readonly FailedResult[];
  readonly rejected: readonly RejectedResult[];
}

const SHOWN = 20;

/** FNV-1a: a cheap, stable string hash to give each subject its lane. */
function laneOf(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

/**
 * Sends deliveries through publishers (one per lane; they may be one shared
 * instance) in batches, optionally paced, and tallies the per-event results.
 */
export async function publishTraffic(deliveries: readonly Delivery[], publisherFor: (lane: number) => EventPublisher, plan: PublishPlan): Promise<RunReport> {
  if (!Number.isInteger(plan.lanes) || plan.lanes < 1) throw new RangeError(`lanes must be a positive integer, got ${plan.lanes}`);
  if (!Number.isInteger(plan.batchSize) || plan.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${plan.batchSize}`);
  const now = plan.now ?? (() => performance.now());
  const sleep = plan.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const byLane: Delivery[][] = Array.from({ length: plan.lanes }, () => []);
  for (const delivery of deliveries) byLane[laneOf(subjectKey(delivery.envelope), plan.lanes)]!.push(delivery);

  const counts = { appended: 0, duplicate: 0, rejected: 0, accepted: 0, failed: 0 };
  const failed: FailedResult[] = [];
  const rejected: RejectedResult[] = [];
  const started = now();
  const laneRate = plan.ratePerSecond !== undefined ? plan.ratePerSecond / plan.lanes : undefined;

  await Promise.all(
    byLane.map(async (lane, index) => {
      const publisher = publisherFor(index);
      for (let from = 0; from < lane.length; from += plan.batchSize) {
        const batch = lane.slice(from, from + plan.batchSize);
        if (laneRate !== undefined) {
          const due = started + (from / laneRate) * 1000;
          const wait = due - now();
          if (wait > 0) await sleep(wait);
        }
        const sentAt = now();
        const results = await publisher.publish(batch.map((d) => d.envelope));
        const answeredAt = now();
        const tally = countByStatus(results);
        for (const status of Object.keys(tally) as (keyof typeof tally)[]) counts[status] += tally[status];
        for (const result of results) {
          if (result.status === 'failed' && failed.length < SHOWN) failed.push(result);
          if (result.status === 'rejected' && rejected.length < SHOWN) rejected.push(result);
        }
        plan.onBatch?.({ lane: index, deliveries: batch, results, sentAt, answeredAt });
      }
    }),
  );
  return { deliveries: deliveries.length, counts, seconds: (now() - started) / 1000, failed, rejected };
}
