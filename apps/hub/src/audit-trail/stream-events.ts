import type { EventStore, StoredEvent } from '@concord/event-store';
import type { PointInTime } from '../entities/entities.queries';

/** A stream's events in revision order, read a chunk at a time and prepared for reading (upcast, as projections see them). */
export async function* streamEvents(
  store: Pick<EventStore, 'readStream'>,
  stream: string,
  prepare: (event: StoredEvent) => StoredEvent | Promise<StoredEvent>,
  chunk = 1000,
): AsyncGenerator<StoredEvent> {
  let fromRevision = 0;
  for (;;) {
    const events = await store.readStream(stream, { fromRevision, limit: chunk });
    for (const event of events) yield await prepare(event);
    const last = events[events.length - 1];
    if (events.length < chunk || !last) return;
    fromRevision = last.revision + 1;
  }
}

/** Recorded no later than `asOf`, or at a log position up to `atPosition`. */
export function withinBound(event: StoredEvent, bound: PointInTime): boolean {
  if (!bound) return true;
  return 'asOf' in bound ? Date.parse(event.recordedAt) <= bound.asOf.getTime() : event.position <= bound.atPosition;
}

/** The events up to the bound: the first event past it ends the stream, as in the entity view's time travel. */
export async function* untilBound(events: AsyncIterable<StoredEvent>, bound: PointInTime): AsyncGenerator<StoredEvent> {
  for await (const event of events) {
    if (!withinBound(event, bound)) return;
    yield event;
  }
}
