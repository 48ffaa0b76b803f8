import { streamNameOf, type EventEnvelope } from '@concord/contracts';
import type { StoredEvent, Transport } from '@concord/event-store';
import type { ReportStyle } from '../../entities/entity-view';
import { entityHistory, stepChanges, type HistoryStep, type StepChanges } from '../entity-history';

export const erpHttp: Transport = { kind: 'http', requestId: 'req-1', credential: 'key-erp' };

/**
 * Envelopes as the log would hold them (positions from 1, revisions per
 * stream, one minute apart), without a store: for specs of pure folds.
 */
export function storedEvents(envelopes: readonly EventEnvelope[], transport: Transport = erpHttp): StoredEvent[] {
  const revisions = new Map<string, number>();
  return envelopes.map((envelope, index) => {
    const stream = streamNameOf(envelope.subject);
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    return {
      ...envelope,
      position: index + 1,
      stream,
      revision,
      recordedAt: new Date(Date.parse('2026-11-21T10:00:00.000Z') + index * 60_000).toISOString(),
      transport,
      prevHash: '',
      hash: '',
    };
  });
}

/** crm reporting customer C-1's full state (customer.upserted reports full state). */
export function aCustomerUpserted(id: string, data: Record<string, unknown>): EventEnvelope {
  return { id, source: 'crm', type: 'customer.upserted', schemaVersion: 1, subject: { type: 'customer', id: 'C-1' }, occurredAt: '2026-11-21T09:00:00Z', data };
}

export function anOrderEvent(id: string, source: string, type: 'order.created' | 'order.status-changed', data: Record<string, unknown>, extra: Partial<EventEnvelope> = {}): EventEnvelope {
  return { id, source, type, schemaVersion: 1, subject: { type: 'order', id: 'SO-1' }, occurredAt: '2026-11-21T09:00:00Z', data, ...extra };
}

/** Every step of the history, each with the changes it made. */
export async function historyOf(events: readonly StoredEvent[], reportStyle: ReportStyle): Promise<Array<HistoryStep & StepChanges>> {
  const steps: Array<HistoryStep & StepChanges> = [];
  for await (const step of entityHistory(events, reportStyle)) steps.push({ ...step, ...stepChanges(step) });
  return steps;
}
