import { mapWebhook, readPath, type WebhookMapping } from './webhook-mapping';

const paid: WebhookMapping = {
  when: { path: '$.type', equals: 'order.paid' },
  type: 'order.status-changed',
  subject: { type: 'order', id: '$.data.order.number' },
  occurredAt: '$.data.paidAt',
  correlationId: '$.data.checkout?',
  data: { status: 'PAID', reason: '$.data.note?' },
};
const created: WebhookMapping = {
  when: { path: '$.type', equals: 'order.created' },
  type: 'order.created',
  subject: { type: 'order', id: '$.data.order.number' },
  occurredAt: '$.data.createdAt',
  data: { customerId: '$.data.customer.id', status: 'OPEN', total: { amount: '$.data.lines[0].amount', currency: '$.data.currency' } },
};

describe('webhook mapping', () => {
  it('given a payload matching the second rule, then it maps paths, literals and nested objects, with the webhook id as idempotency key', () => {
    const payload = { type: 'order.created', data: { order: { number: 'SO-7' }, createdAt: '2026-11-21T10:00:00Z', customer: { id: 'C-9' }, currency: 'EUR', lines: [{ amount: 12.5 }] } };
    expect(mapWebhook('shop', 'msg_1', payload, [paid, created])).toEqual({
      ok: true,
      envelope: {
        id: 'shop:msg_1',
        source: 'shop',
        type: 'order.created',
        subject: { type: 'order', id: 'SO-7' },
        occurredAt: '2026-11-21T10:00:00Z',
        data: { customerId: 'C-9', status: 'OPEN', total: { amount: 12.5, currency: 'EUR' } },
      },
    });
  });

  it('leaves optional values out when absent and keeps them when present', () => {
    const base = { type: 'order.paid', data: { order: { number: 'SO-7' }, paidAt: '2026-11-21T10:00:00Z' } };
    const mapped = mapWebhook('shop', 'm', base, [paid]);
    expect(mapped.ok && mapped.envelope).toMatchObject({ data: { status: 'PAID' } });
    expect(mapped.ok && 'correlationId' in mapped.envelope).toBe(false);
    const withNote = mapWebhook('shop', 'm', { ...base, data: { ...base.data, note: 'card', checkout: 'chk-1' } }, [paid]);
    expect(withNote.ok && withNote.envelope).toMatchObject({ correlationId: 'chk-1', data: { status: 'PAID', reason: 'card' } });
  });

  it('says which required value is missing', () => {
    const outcome = mapWebhook('shop', 'm', { type: 'order.paid', data: { paidAt: '2026-11-21T10:00:00Z' } }, [paid]);
    expect(outcome).toEqual({ ok: false, message: 'subject.id: the webhook has no value at $.data.order.number' });
  });

  it('says so when no rule matches', () => {
    const outcome = mapWebhook('shop', 'm', { type: 'order.refunded' }, [paid, created]);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toContain('no mapping of source shop matches');
  });

  it('reads own properties only: never a prototype, never through a wrong container type', () => {
    expect(readPath({ a: {} }, '$.a.constructor')).toEqual({ found: false });
    expect(readPath({ a: {} }, '$.a.__proto__')).toEqual({ found: false });
    expect(readPath({ a: 'text' }, '$.a.length')).toEqual({ found: false });
    expect(readPath({ a: { 0: 'x' } }, '$.a[0]')).toEqual({ found: false });
    expect(readPath({ a: ['x'] }, '$.a[0]')).toEqual({ found: true, value: 'x' });
    expect(readPath({ a: 0 }, '$.a')).toEqual({ found: true, value: 0 });
  });
});
