import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_RULES, loadReconciliationRules, parseReconciliationRules, reconciliationRulesFor, ReconciliationRulesError } from './reconciliation-rules';

const order = { sources: ['erp', 'crm'], graceSeconds: 60, fields: { status: 'status' } };

function problemsOf(document: unknown): string {
  try {
    parseReconciliationRules(document, 'rules.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ReconciliationRulesError);
    return (error as Error).message;
  }
  throw new Error('expected the rules to be refused');
}

describe('reconciliation rules', () => {
  it('ships an example for orders, customers and invoices vs payments that loads', () => {
    const rules = loadReconciliationRules(join(__dirname, '../../../../config/reconciliation.yaml'), true);
    expect([...rules.entities.keys()]).toEqual(['order', 'customer', 'invoice']);
    expect(rules.entities.get('order')!.fields.find((f) => f.name === 'amount')).toMatchObject({ paths: { erp: ['total', 'amount'] }, tolerance: 0.01 });
    expect(rules.entities.get('customer')!.naturalKey).toEqual(['email']);
    expect(rules.links.get('payment.received')).toEqual([expect.objectContaining({ link: expect.objectContaining({ as: 'payments', sum: ['amount'] }) })]);
    expect(rules.version).toMatch(/^example-1@[0-9a-f]{12}$/);
  });

  it('versions rules by label and content: any change gives another version, key order does not', () => {
    const a = parseReconciliationRules({ entities: { order } });
    expect(a.version).toMatch(/^rules@[0-9a-f]{12}$/);
    expect(parseReconciliationRules({ entities: { order: { fields: { status: 'status' }, graceSeconds: 60, sources: ['erp', 'crm'] } } }).version).toBe(a.version);
    expect(parseReconciliationRules({ entities: { order: { ...order, graceSeconds: 61 } } }).version).not.toBe(a.version);
  });

  it('accepts a path per source', () => {
    const rules = parseReconciliationRules({ entities: { order: { ...order, fields: { amount: { path: { erp: 'total.amount', crm: 'amount' }, tolerance: 0.01 } } } } });
    expect(rules.entities.get('order')!.fields[0]!.paths).toEqual({ erp: ['total', 'amount'], crm: ['amount'] });
  });

  it('lists per source the fields it reports, once, so a field compared among some sources is not looked for in others', () => {
    const rules = parseReconciliationRules({
      entities: { order: { sources: ['erp', 'crm', 'billing'], graceSeconds: 60, fields: { status: 'status', note: { path: 'note', sources: ['erp', 'crm'] } } } },
    });
    const bySource = rules.entities.get('order')!.fieldsBySource;
    expect(bySource.get('erp')!.map((f) => f.name)).toEqual(['status', 'note']);
    expect(bySource.get('billing')!.map((f) => f.name)).toEqual(['status']);
    expect(bySource.get('sap')).toBeUndefined();
  });

  it('names a source in a mapping that the rule does not list', () => {
    expect(problemsOf({ entities: { order: { ...order, fields: { status: { path: 'status', map: { sap: { X: 'y' } } } } } } })).toContain(
      'entities.order.fields.status.map.sap: sap is not one of the field\'s sources (erp, crm)',
    );
  });

  it('names a source the rule does not list in a per-source path or in a field\'s own sources', () => {
    expect(problemsOf({ entities: { order: { ...order, fields: { status: { path: { erp: 'status', sap: 'state' } } } } } })).toContain(
      "entities.order.fields.status.path.sap: sap is not one of the field's sources (erp, crm)",
    );
    expect(problemsOf({ entities: { order: { ...order, fields: { status: { path: 'status', sources: ['erp', 'sap'] } } } } })).toContain(
      "entities.order.fields.status.sources: sap is not one of the entity's sources (erp, crm)",
    );
  });

  it('reports every problem at once, each with its place', () => {
    const message = problemsOf({
      entities: {
        Order: { sources: ['erp'], graceSeconds: -1, fields: { status: { path: 'a..b', tolerance: 'x' } }, colour: 'red' },
        invoice: { sources: ['billing', 'billing', 'concord'], graceSeconds: 10, links: { payments: { eventType: 'payment.received', idPath: 'invoiceId', sum: ['amount'] } } },
      },
      extra: true,
    });
    for (const expected of [
      'extra is not a known setting',
      'entities.Order: an entity type must match',
      'entities.Order.colour is not a known setting',
      'entities.Order.graceSeconds must be a number of seconds from 0 to 2592000',
      'entities.Order.fields.status.path must be a field path',
      'entities.Order.fields.status.tolerance must be a non-negative number',
      'entities.Order.fields.status: a compared field needs two or more sources',
      'entities.invoice.sources: billing is listed twice',
      'entities.invoice.sources: concord is the hub itself, not a source system',
      'entities.invoice.links.payments: payments must also be listed in the entity\'s sources',
      'entities.invoice.links.payments.sum: amount is not one of the entity\'s fields',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('refuses an empty or shapeless document and non-scalar canonical values', () => {
    expect(problemsOf(null)).toContain('expected an object with "entities"');
    expect(problemsOf({ entities: {} })).toContain('entities must map at least one entity type');
    expect(problemsOf({ entities: { order: { ...order, fields: { status: { map: { erp: { A: { nested: 1 } } } } } } } })).toContain(
      'entities.order.fields.status.map.erp.A must be a string, number or boolean',
    );
    expect(problemsOf({ entities: { order: { ...order, naturalKey: 42 } } })).toContain('entities.order.naturalKey must be a field path');
    expect(problemsOf({ entities: { reconciliation: order } })).toContain('"reconciliation" is the hub\'s own subject type');
    expect(problemsOf({ version: 'has spaces', entities: { order } })).toContain('version must be a label');
  });

  it('without a configured file and none at the default place, has nothing to reconcile; a configured file must exist and parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-rules-'));
    expect(loadReconciliationRules(join(dir, 'absent.yaml'), false)).toBe(EMPTY_RULES);
    expect(reconciliationRulesFor({ CONCORD_RECONCILIATION_RULES: 'off' })).toBe(EMPTY_RULES);
    expect(() => loadReconciliationRules(join(dir, 'absent.yaml'), true)).toThrow(/cannot read the reconciliation rules .*absent\.yaml/);
    writeFileSync(join(dir, 'bad.yaml'), 'entities: [unclosed');
    expect(() => loadReconciliationRules(join(dir, 'bad.yaml'), true)).toThrow(ReconciliationRulesError);
  });
});
