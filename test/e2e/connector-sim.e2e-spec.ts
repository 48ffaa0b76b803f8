/**
 * The connector simulator against the real hub over HTTP: a fresh hub stores
 * every distinct event once and answers every planted repeat as a duplicate,
 * refuses nothing, and its entity views show the planted faults for what they
 * are: stale reorderings not applied, conflicts visible per source, a system
 * that never reported an order absent from it. With the `invalid` fault, it
 * refuses exactly the planted invalid events, and the valid envelope the plan
 * keeps resolves each on replay.
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

describe('connector simulator’s invalid events → hub over HTTP', () => {
  let hub: TestHub;
  let publisher: HttpPublisher;
  const traffic = generateTraffic({ seed: 3, orders: 60, start: '2026-11-21T07:00:00.000Z', faults: { ...DEMO_FAULTS, invalid: 0.1 } });

  beforeAll(async () => {
    hub = await startTestHub();
    await hub.app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(hub.app.getHttpServer().address() as AddressInfo).port}`;
    publisher = new HttpPublisher({ url, apiKey: TEST_ADMIN_KEY, sleep: async () => undefined });
  });

  afterAll(async () => {
    await hub.close();
  });

  it('refuses each planted invalid event once, naming the field, keeps it in the quarantine, and stores the kept valid envelope on replay', async () => {
    const { invalid } = traffic.planted;
    expect(invalid.length).toBeGreaterThan(1);
    const report = await publishTraffic(traffic.deliveries, () => publisher, { lanes: 4, batchSize: 100 });
    expect(report.counts).toMatchObject({ appended: traffic.uniqueEvents, rejected: invalid.length, failed: 0 });
    for (const refused of report.rejected) {
      expect(refused.reason).toBe('contract-violation');
      expect(JSON.stringify(refused)).toContain(invalid.find((i) => i.id === refused.id)!.field);
    }
    const [first] = invalid;
    const entry = report.rejected.find((r) => r.id === first!.id)!;
    const quarantined = await hub.get(`/v1/quarantine/${entry.quarantineId}`);
    expect(quarantined.body).toMatchObject({ status: 'open', reason: 'contract-violation' });
    // Replayed as received it is still invalid; with the envelope the simulator kept, it is stored.
    const asReceived = await hub.app.inject({ method: 'POST', url: `/v1/quarantine/${entry.quarantineId}/replay`, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(asReceived.json()).toMatchObject({ status: 'open', attempt: { outcome: 'rejected', reason: 'contract-violation' } });
    const corrected = await hub.app.inject({ method: 'POST', url: `/v1/quarantine/${entry.quarantineId}/replay`, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` }, payload: { payload: first!.valid } });
    expect(corrected.json()).toMatchObject({ status: 'resolved', attempt: { outcome: 'appended', eventId: first!.id } });
    expect((await hub.get(`/v1/events/${encodeURIComponent(first!.id)}`)).status).toBe(200);
    expect((await hub.get(`/v1/quarantine/${entry.quarantineId}`)).body.status).toBe('resolved');
  }, 60_000);
});
