/**
 * The connector simulator against the real hub over HTTP: a fresh hub stores
 * every distinct event once and answers every planted repeat as a duplicate,
 * refuses nothing, and its entity views show the planted faults for what they
 * are: stale reorderings not applied, conflicts visible per source, a system
 * that never reported an order absent from it.
 */
import type { AddressInfo } from 'node:net';
import { HttpPublisher } from '@concord/connector-sdk';
import { DEMO_FAULTS } from '../../apps/connector-sim/src/faults';
import { publishTraffic } from '../../apps/connector-sim/src/publish-traffic';
import { generateTraffic } from '../../apps/connector-sim/src/traffic';
import { TEST_ADMIN_KEY } from './support/auth';
import { startTestHub, type TestHub } from './support/test-hub';

describe('connector simulator → hub over HTTP', () => {
  let hub: TestHub;
  let publisher: HttpPublisher;
  const traffic = generateTraffic({ seed: 11, orders: 150, start: '2026-11-21T07:00:00.000Z', faults: { ...DEMO_FAULTS, duplicates: 0.1, reorder: 0.3, drops: 0.05, conflicts: 0.1 } });

  beforeAll(async () => {
    hub = await startTestHub();
    await hub.app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(hub.app.getHttpServer().address() as AddressInfo).port}`;
    publisher = new HttpPublisher({ url, apiKey: TEST_ADMIN_KEY, sleep: async () => undefined });
  });

  afterAll(async () => {
    await hub.close();
  });

  it('stores each distinct event once: every planted repeat is a duplicate, nothing refused or lost', async () => {
    const report = await publishTraffic(traffic.deliveries, () => publisher, { lanes: 4, batchSize: 100 });
    expect(report.counts).toEqual({ appended: traffic.uniqueEvents, duplicate: traffic.deliveries.length - traffic.uniqueEvents, rejected: 0, accepted: 0, failed: 0 });
    expect(traffic.planted.duplicates.length + traffic.planted.lateRetries.length).toBeGreaterThan(0);
    await hub.settle();
  }, 60_000);

  it('does not apply a reordered (stale) status: each source’s view holds its newest report', async () => {
    expect(traffic.planted.reordered.length).toBeGreaterThan(0);
    for (const id of traffic.planted.reordered.slice(0, 10)) {
      const stale = traffic.deliveries.find((d) => d.envelope.id === id)!;
      const newest = traffic.deliveries
        .filter((d) => d.system === stale.system && d.envelope.subject.id === stale.envelope.subject.id)
        .reduce((a, b) => (b.envelope.sourceSequence! > a.envelope.sourceSequence! ? b : a));
      const view = await hub.get(`/v1/entities/order/${stale.envelope.subject.id}`);
      expect(view.body.sources[stale.system].state.status).toBe((newest.envelope.data as { status: string }).status);
      expect(view.body.sources[stale.system].staleEvents).toBeGreaterThan(0);
    }
  });

  it('shows a planted status conflict source by source', async () => {
    const conflict = traffic.planted.conflicts.find((c) => c.kind === 'order-status')!;
    const view = await hub.get(`/v1/entities/order/${conflict.subject.id}`);
    for (const system of ['erp', 'crm', 'billing']) {
      if (view.body.sources[system]) expect(view.body.sources[system].state.status).toBe(conflict.values[system]);
    }
    expect(view.body.sources.crm.state.status).toBe(conflict.values.crm);
  });

  it('has no report from a system that never reported an order or a customer', async () => {
    expect(traffic.planted.missing.length).toBeGreaterThan(0);
    for (const { system, subject } of traffic.planted.missing) {
      const view = await hub.get(`/v1/entities/${subject.type}/${subject.id}`);
      expect(view.status).toBe(200);
      expect(view.body.sources[system]).toBeUndefined();
    }
  });
});
