import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { DeliveryOutcome, KafkaDelivery, KafkaIngestPort } from '@concord/messaging';
import { QUARANTINE_STORE, type QuarantineStore } from '@concord/quarantine';
import { IngestEventsCommand, type IngestResult } from '../ingest/ingest-events.command';

/**
 * Kafka deliveries into the hub's one ingest path: what decodes goes through
 * IngestEventsCommand exactly like an HTTP event (validation, idempotent group
 * commit, quarantine of refusals with the message text as received); what does
 * not decode (not UTF-8, not JSON, too deep, a tombstone) is quarantined here,
 * as the HTTP controller does with a body it cannot read. Resolves once all of
 * it is durable.
 */
@Injectable()
export class HubKafkaIngest implements KafkaIngestPort {
  constructor(
    private readonly commands: CommandBus,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
  ) {}

  async ingest(deliveries: readonly KafkaDelivery[]): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = new Array(deliveries.length);
    const readable: number[] = [];
    const unreadable: number[] = [];
    deliveries.forEach((d, i) => (d.decoded.ok ? readable : unreadable).push(i));

    if (unreadable.length > 0) {
      const entries = await this.quarantine.recordMany(
        unreadable.map((i) => {
          const { decoded, transport } = deliveries[i]!;
          if (decoded.ok) throw new Error('unreachable: a decoded delivery among the unreadable ones');
          return { reason: decoded.reason, message: decoded.message, raw: decoded.raw, transport };
        }),
      );
      unreadable.forEach((i, n) => {
        const decoded = deliveries[i]!.decoded;
        if (!decoded.ok) outcomes[i] = { status: 'rejected', reason: decoded.reason, message: decoded.message, quarantineId: entries[n]!.id };
      });
    }

    if (readable.length > 0) {
      const items = readable.map((i) => {
        const { decoded, transport } = deliveries[i]!;
        if (!decoded.ok) throw new Error('unreachable: an undecoded delivery among the readable ones');
        return { payload: decoded.document, transport, original: { raw: decoded.text } };
      });
      const results: IngestResult[] = await this.commands.execute(new IngestEventsCommand(items));
      results.forEach((result, n) => {
        outcomes[readable[n]!] =
          result.status === 'rejected'
            ? { status: 'rejected', reason: result.reason, message: result.message, quarantineId: result.quarantineId }
            : { status: result.status, position: result.position };
      });
    }
    return outcomes;
  }
}
