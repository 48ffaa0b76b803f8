/** A valid `order.created` envelope; override any field. */
export function anOrderCreated(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'erp-evt-1',
    source: 'erp',
    type: 'order.created',
    subject: { type: 'order', id: 'SO-1' },
    occurredAt: '2026-11-21T10:00:00Z',
    data: { customerId: 'C-1', status: 'OPEN', total: { amount: 10, currency: 'EUR' } },
    ...overrides,
  };
}
