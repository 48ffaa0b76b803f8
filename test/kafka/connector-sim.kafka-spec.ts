/**
 * The connector simulator over Kafka into a hub in Kafka mode (real broker):
 * the planted repeats (duplicate sends, late retries) travel through Kafka as
 * separate records and each becomes a duplicate receipt, never a second event;
 * reordered statuses are stale; conflicts show source by source.
 */
import { KafkaPublisher } from '@concord/connector-sdk';
import { DEMO_FAULTS } from '../../apps/connector-sim/src/faults';
import { publishTraffic } from '../../apps/connector-sim/src/publish-traffic';
import { generateTraffic } from '../../apps/connector-sim/src/traffic';
import { createTopics, headOf, kafkaDescribe, kafkaHubFixture, uniqueTopics, waitFor } from './support/kafka-suite';

kafkaDescribe('connector simulator over Kafka')('connector simulator → Kafka → hub (real broker)', () => {
  const fixture = kafkaHubFixture();

  it(
    'stores each distinct event once, however often Kafka carries it',
    async () => {
      const names = uniqueTopics('sim');
      await createTopics(fixture.kafka.admin, [{ topic: names.ingest, partitions: 3 }]);
      const hub = await fixture.startHub(names);
      const traffic = generateTraffic({ seed: 5, orders: 120, start: '2026-11-21T07:00:00.000Z', faults: { ...DEMO_FAULTS, duplicates: 0.1, lateRetries: 0.05, reorder: 0.3 } });

      const publisher = await KafkaPublisher.connect({ kafka: fixture.kafka.kafka, topicFor: () => names.ingest });
      try {
        const report = await publishTraffic(traffic.deliveries, () => publisher, { lanes: 3, batchSize: 200 });
        expect(report.counts.accepted).toBe(traffic.deliveries.length);
      } finally {
        await publisher.close();
      }
      await waitFor(async () => (await headOf(hub)) >= traffic.uniqueEvents, 60_000, () => `${traffic.uniqueEvents} events in the log`);
      await hub.settle();
      // Give a repeat that is still on its way the time to (wrongly) become a second event.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await headOf(hub)).toBe(traffic.uniqueEvents);

      const repeated = traffic.planted.duplicates[0]!;
      const copies = traffic.deliveries.filter((d) => d.envelope.id === repeated).length;
      const stored = (await hub.get(`/v1/events/${encodeURIComponent(repeated)}`)).body;
      expect(stored.event.id).toBe(repeated);
      expect(stored.receivedCount).toBe(copies);

      const conflict = traffic.planted.conflicts.find((c) => c.kind === 'order-status');
      if (conflict) {
        const view = await hub.get(`/v1/entities/order/${conflict.subject.id}`);
        expect(view.body.sources.crm.state.status).toBe('cancelled');
      }
      const stale = traffic.planted.reordered[0]!;
      const subject = traffic.deliveries.find((d) => d.envelope.id === stale)!;
      const view = await hub.get(`/v1/entities/order/${subject.envelope.subject.id}`);
      expect(view.body.sources[subject.system].staleEvents).toBeGreaterThan(0);
    },
    180_000,
  );
});
