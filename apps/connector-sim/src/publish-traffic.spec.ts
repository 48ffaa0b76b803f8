import type { EventPublisher, PublishResult } from '@concord/connector-sdk';
import type { EventEnvelope } from '@concord/contracts';
import { DEMO_FAULTS } from './faults';
import { publishTraffic } from './publish-traffic';
import { generateTraffic } from './traffic';

/** Remembers what it was given, per call, and answers like a fresh hub (appended once, then duplicate). */
class RecordingPublisher implements EventPublisher {
  readonly calls: EventEnvelope<object>[][] = [];
  private readonly seen = new Set<string>();

  async publish(events: readonly EventEnvelope<object>[]): Promise<PublishResult[]> {
    this.calls.push([...events]);
    return events.map((event, index) => {
      const status = this.seen.has(event.id) ? 'duplicate' : 'appended';
      this.seen.add(event.id);
      return { index, id: event.id, status, position: 1, stream: 's', revision: 0 };
    });
  }

  async close(): Promise<void> {}
}

const traffic = generateTraffic({ seed: 3, orders: 120, start: '2026-11-21T08:00:00Z', faults: DEMO_FAULTS });

describe('publishTraffic', () => {
  it('sends everything once, in batches, with the counts a fresh hub gives', async () => {
    const publisher = new RecordingPublisher();
    const report = await publishTraffic(traffic.deliveries, () => publisher, { lanes: 3, batchSize: 50 });
    expect(publisher.calls.flat()).toHaveLength(traffic.deliveries.length);
    expect(Math.max(...publisher.calls.map((c) => c.length))).toBe(50);
    expect(report.counts).toEqual({ appended: traffic.uniqueEvents, duplicate: traffic.deliveries.length - traffic.uniqueEvents, rejected: 0, accepted: 0, failed: 0 });
  });

  it('keeps each subject’s deliveries in their order, whatever the lanes do', async () => {
    const publishers = [new RecordingPublisher(), new RecordingPublisher(), new RecordingPublisher(), new RecordingPublisher()];
    await publishTraffic(traffic.deliveries, (lane) => publishers[lane]!, { lanes: 4, batchSize: 7 });
    const expected = new Map<string, string[]>();
    for (const d of traffic.deliveries) expected.set(`${d.envelope.subject.type}/${d.envelope.subject.id}`, [...(expected.get(`${d.envelope.subject.type}/${d.envelope.subject.id}`) ?? []), d.envelope.id]);
    for (const [key, ids] of expected) {
      const holders = publishers.filter((p) => p.calls.flat().some((e) => `${e.subject.type}/${e.subject.id}` === key));
      expect(holders).toHaveLength(1);
      expect(holders[0]!.calls.flat().filter((e) => `${e.subject.type}/${e.subject.id}` === key).map((e) => e.id)).toEqual(ids);
    }
    expect(publishers.every((p) => p.calls.length > 0)).toBe(true);
  });

  it('paces to the given rate on the injected clock', async () => {
    let clock = 0;
    const waits: number[] = [];
    const report = await publishTraffic(traffic.deliveries.slice(0, 1000), () => new RecordingPublisher(), {
      lanes: 1,
      batchSize: 100,
      ratePerSecond: 500,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    // 10 batches of 100 at 500/s: batch k is due at k × 200 ms.
    expect(waits).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200]);
    expect(report.seconds).toBeCloseTo(1.8, 5);
  });

  it('reports failures and refusals, the first few of each', async () => {
    const failing: EventPublisher = {
      publish: async (events) => events.map((e, index) => ({ index, id: e.id, status: 'failed', reason: 'unavailable', message: 'down', attempts: 8, retriable: true })),
      close: async () => undefined,
    };
    const report = await publishTraffic(traffic.deliveries.slice(0, 30), () => failing, { lanes: 2, batchSize: 10 });
    expect(report.counts.failed).toBe(30);
    expect(report.failed).toHaveLength(20);
  });

  it.each([
    [{ lanes: 0, batchSize: 1 }, /lanes must be a positive integer/],
    [{ lanes: 1, batchSize: 0 }, /batchSize must be a positive integer/],
  ])('refuses %p', async (plan, message) => {
    await expect(publishTraffic([], () => new RecordingPublisher(), plan)).rejects.toThrow(message);
  });
});
