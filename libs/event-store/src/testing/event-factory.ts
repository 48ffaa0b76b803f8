import type { EventEnvelope } from '@concord/contracts';
import type { NewEvent, Transport } from '../event-store.port';

export const testTransport: Transport = { kind: 'internal', component: 'test' };

/** A valid `order.status-changed` envelope; override whatever the test is about. */
export function anEnvelope(overrides: Partial<EventEnvelope> & { id: string }): EventEnvelope {
  return {
    source: 'erp',
    type: 'order.status-changed',
    schemaVersion: 1,
    subject: { type: 'order', id: 'SO-1' },
    occurredAt: '2026-11-21T10:00:00Z',
    data: { status: 'OPEN' },
    ...overrides,
  };
}

export function aNewEvent(overrides: Partial<EventEnvelope> & { id: string }, transport: Transport = testTransport): NewEvent {
  return { envelope: anEnvelope(overrides), transport };
}
