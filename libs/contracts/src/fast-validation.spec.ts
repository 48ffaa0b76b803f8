import fc from 'fast-check';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, ValidateIf, ValidateNested } from 'class-validator';
import { exampleContracts } from './catalog';
import { EventEnvelopeDto } from './envelope';
import { acceptorFor } from './fast-validation';
import { validateAgainst, validateWithClassValidator, type Constructor } from './field-errors';

const schemas: Array<[string, Constructor<object>]> = [['EventEnvelopeDto', EventEnvelopeDto], ...exampleContracts.map((c) => [c.type, c.schema] as [string, Constructor<object>])];

const samples: Record<string, Record<string, unknown>> = {
  EventEnvelopeDto: {
    id: 'e-1',
    source: 'erp',
    type: 'order.created',
    schemaVersion: 1,
    subject: { type: 'order', id: 'SO-1' },
    occurredAt: '2026-11-21T10:00:00Z',
    sourceSequence: 3,
    correlationId: 'flow',
    causationId: 'cause',
    actor: { type: 'user', id: 'alice' },
    data: { any: 'thing' },
  },
  'order.created': { customerId: 'C-1', status: 'OPEN', total: { amount: 10.25, currency: 'EUR' } },
  'order.status-changed': { status: 'SHIPPED', reason: 'left' },
  'customer.upserted': { name: 'Ada', email: 'ada@example.com', phone: '+44 1', status: 'active', country: 'GB' },
  'invoice.issued': { orderId: 'SO-1', amount: 10, currency: 'EUR', dueDate: '2026-12-01' },
  'payment.received': { invoiceId: 'INV-1', amount: 10, currency: 'EUR' },
  'quarantine.replayed': { quarantineId: 'q-1', attemptId: 'a-1', outcome: 'appended', corrected: false, eventId: 'e-1', position: 7, reason: 'fixed' },
  'reconciliation.item-opened': {
    itemId: 'order/SO-1:mismatch:status',
    kind: 'mismatch',
    entityType: 'order',
    entityId: 'SO-1',
    field: 'status',
    episode: 1,
    rulesVersion: 'rules@0123456789ab',
    since: '2026-11-21T10:00:00.000Z',
    dueAt: '2026-11-21T10:05:00.000Z',
    evidence: ['erp-1', 'crm-1'],
  },
  'reconciliation.item-resolved': {
    itemId: 'customer:duplicate:crm:0123456789abcdef0123',
    kind: 'duplicate',
    entityType: 'customer',
    source: 'crm',
    episode: 2,
    rulesVersion: 'rules@0123456789ab',
    resolvedAt: '2026-11-21T11:00:00.000Z',
    resolvedBy: 'crm-9',
  },
  'flow.overdue': { expectationId: 'r/order/SO-1', rule: 'r', entity: { type: 'order', id: 'SO-1' }, expectedBy: '2026-11-21T10:15:00.000Z', startedBy: 'e-1', problem: 'late' },
  'flow.cleared': { expectationId: 'r/order/SO-1', rule: 'r', entity: { type: 'order', id: 'SO-1' }, expectedBy: '2026-11-21T10:15:00.000Z', startedBy: 'e-1', clearedBy: 'e-2' },
  'subject.forgotten': { erasure: 1, keyGenerations: 1, erasedFields: ['email', 'name'] },
};

/** Values that sit on or near the edges of the catalog's rules. */
const tricky = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    'OPEN',
    'EUR',
    'eur',
    'order',
    'Order',
    'a-b',
    '2026-11-21T10:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-11-21T10:00:00',
    '2026-12-01',
    'x'.repeat(201),
    'line\nbreak',
    'a@b.co',
    0,
    -1,
    1.5,
    1.1234567,
    2 ** 60,
    Number.MAX_SAFE_INTEGER,
    true,
    [],
    {},
    { type: 'order', id: 'SO-1' },
    { type: 'user' },
    { amount: 1, currency: 'EUR' },
    { amount: '1', currency: 'EUR' },
  ),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue(),
);

const paths = [
  'id', 'source', 'type', 'schemaVersion', 'subject', 'subject.type', 'subject.id', 'subject.extra', 'occurredAt', 'sourceSequence',
  'correlationId', 'causationId', 'actor', 'actor.type', 'actor.id', 'data', 'extra',
  'customerId', 'status', 'reason', 'total', 'total.amount', 'total.currency', 'total.extra', 'name', 'email', 'phone', 'country',
  'orderId', 'invoiceId', 'amount', 'currency', 'dueDate',
  'expectationId', 'rule', 'entity', 'entity.type', 'entity.id', 'entity.extra', 'expectedBy', 'startedBy', 'clearedBy', 'problem',
];

function mutate(sample: Record<string, unknown>, changes: Array<{ path: string; value: unknown; remove: boolean }>): unknown {
  const copy = JSON.parse(JSON.stringify(sample)) as Record<string, unknown>;
  for (const { path, value, remove } of changes) {
    const [head, tail] = path.split('.') as [string, string | undefined];
    let target: Record<string, unknown> = copy;
    let key = head;
    if (tail !== undefined) {
      const inner = copy[head];
      if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) continue;
      target = inner as Record<string, unknown>;
      key = tail;
    }
    if (remove) delete target[key];
    else target[key] = value;
  }
  return copy;
}

const change = fc.record({ path: fc.constantFrom(...paths), value: tricky, remove: fc.boolean() });

describe('the compiled fast path of validation', () => {
  /** Contracts the fast path leaves to class-validator (arrays validated with `each`): rare hub records, not the hot path. */
  const leftToClassValidator = new Set(['subject.forgotten']);

  it.each(schemas)('accepts a valid %s without class-validator', (name, schema) => {
    expect(validateWithClassValidator(schema, samples[name], '')).toEqual([]);
    expect(acceptorFor(schema)(samples[name])).toBe(!leftToClassValidator.has(name));
  });

  it.each(schemas)('never differs from class-validator for %s (random near-valid inputs)', (name, schema) => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(change, { maxLength: 3 }), (changes) => {
        const input = mutate(samples[name]!, changes);
        const reference = validateWithClassValidator(schema, input, 'data');
        if (acceptorFor(schema)(input)) expect(reference).toEqual([]);
        expect(validateAgainst(schema, input, 'data')).toEqual(reference);
        seen[reference.length === 0 ? 'accepted' : 'refused']++;
      }),
      { numRuns: 400 },
    );
    // The generator must exercise both sides, or the comparison proves nothing.
    expect(seen.accepted).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(20);
  });

  it('never differs from class-validator for arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        for (const [, schema] of schemas) {
          if (acceptorFor(schema)(input)) expect(validateWithClassValidator(schema, input, '')).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('declines what it does not model, leaving the decision to class-validator', () => {
    class Each {
      @IsString({ each: true }) tags!: string[];
    }
    class Grouped {
      @IsString({ groups: ['admin'] }) name!: string;
    }
    class WithDefault {
      @IsOptional() @IsIn(['a', 'b']) mode: string = 'a';
    }
    class Item {
      @IsInt() qty!: number;
    }
    class NestedArray {
      @ValidateNested({ each: true }) @Type(() => Item) items!: Item[];
    }
    class NestedWithoutType {
      @ValidateNested() item!: Item;
    }
    class Nothing {}
    expect(acceptorFor(Each)({ tags: ['a'] })).toBe(false);
    expect(acceptorFor(Grouped)({ name: 'x' })).toBe(false);
    expect(acceptorFor(WithDefault)({})).toBe(false);
    expect(acceptorFor(NestedArray)({ items: [{ qty: 1 }] })).toBe(false);
    expect(acceptorFor(NestedWithoutType)({ item: { qty: 1 } })).toBe(false);
    expect(acceptorFor(Nothing)({})).toBe(false);
    // …and the full validation still answers correctly for them.
    expect(validateAgainst(Each, { tags: ['a', 'b'] }, '')).toEqual([]);
    expect(validateAgainst(Each, { tags: ['a', 1] }, '').map((e) => e.field)).toEqual(['tags']);
    expect(validateAgainst(NestedArray, { items: [{ qty: 1 }, { qty: 'x' }] }, '').map((e) => e.field)).toEqual(['items.1.qty']);
  });

  it('runs conditions (ValidateIf) and nested DTOs', () => {
    class Money {
      @IsInt() cents!: number;
    }
    class Conditional {
      @IsIn(['card', 'cash']) method!: string;
      @ValidateIf((o: { method?: string }) => o.method === 'card') @IsString() cardId?: string;
      @ValidateNested() @Type(() => Money) price!: Money;
    }
    const accept = acceptorFor(Conditional);
    expect(accept({ method: 'cash', price: { cents: 1 } })).toBe(true);
    expect(accept({ method: 'card', price: { cents: 1 } })).toBe(false);
    expect(accept({ method: 'card', cardId: 'c', price: { cents: 1 } })).toBe(true);
    expect(accept({ method: 'cash', price: { cents: 1.5 } })).toBe(false);
    expect(accept({ method: 'cash', price: null })).toBe(false);
    expect(accept({ method: 'cash', price: { cents: 1, extra: 1 } })).toBe(false);
    expect(validateAgainst(Conditional, { method: 'card', price: { cents: 1 } }, '').map((e) => e.field)).toEqual(['cardId']);
  });

  it('refuses values that are not plain JSON objects', () => {
    const accept = acceptorFor(schemas[1]![1]);
    class Impostor {}
    expect(accept(Object.assign(new Impostor(), samples['order.created']))).toBe(false);
    expect(accept([samples['order.created']])).toBe(false);
    expect(accept(null)).toBe(false);
    expect(accept('x')).toBe(false);
  });
});
