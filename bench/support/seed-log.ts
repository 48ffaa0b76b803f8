import { streamNameOf, type EventEnvelope } from '@concord/contracts';
import type { AppendRequest, EventStore } from '@concord/event-store';

/** Appends envelopes `from` … `from + count - 1` (made by `envelopeOf`) in groups of `group` single-event requests, each group one appendMany. */
export async function appendInGroups(store: EventStore, envelopeOf: (i: number) => EventEnvelope, from: number, count: number, group: number): Promise<void> {
  for (let start = from; start < from + count; start += group) {
    const requests: AppendRequest[] = [];
    for (let i = start; i < Math.min(start + group, from + count); i++) {
      const envelope = envelopeOf(i);
      requests.push({ stream: streamNameOf(envelope.subject), events: [{ envelope, transport: { kind: 'internal', component: 'bench' } }] });
    }
    await store.appendMany(requests);
  }
}
