import type { EventEnvelope } from '@concord/contracts';
import type { ProjectionDefinition } from '../projection';

/** An `order.status-changed` envelope for projection specs; the status is the id, so order is visible. */
export function statusChangedEvent(id: string, subjectId = 'A'): EventEnvelope {
  return {
    id,
    source: 'erp',
    type: 'order.status-changed',
    schemaVersion: 1,
    subject: { type: 'order', id: subjectId },
    occurredAt: '2026-11-21T09:00:00Z',
    data: { status: id },
  };
}

/**
 * A spec projection that counts events per subject and lists their ids, so an
 * event applied twice or skipped shows; it throws on ids listed in `poison`.
 */
export function countingProjection(poison: ReadonlySet<string> = new Set(), version = 1): ProjectionDefinition {
  return {
    name: 'counter',
    version,
    collections: ['counts'],
    handles: ['order.status-changed'],
    async apply(e, view) {
      const current = (await view.get<{ n: number; ids: string[] }>('counts', e.subject.id)) ?? { n: 0, ids: [] };
      view.put('counts', e.subject.id, { n: current.n + 1, ids: [...current.ids, e.id] });
      if (poison.has(e.id)) throw new Error(`cannot apply ${e.id}`);
    },
  };
}
