import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { FlowRulesError, loadFlowRules, parseFlowRules } from './flow-rules';

const registry = new ContractRegistry(exampleContracts);
const SHIPPED = resolve(__dirname, '../../../../config/flows.yaml');

const orderRule = { name: 'order-reaches-crm', when: { type: 'order.created', source: 'erp' }, expect: { source: 'crm' }, within: '15m' };
const invoiceRule = {
  name: 'invoice-paid',
  when: { type: 'invoice.issued' },
  expect: { type: 'payment.received', link: 'invoiceId', sameFields: ['amount', 'currency'] },
  deadline: 'dueDate',
};

/** The problems a document is refused with (the error lists every one). */
function problemsOf(document: unknown): string {
  try {
    parseFlowRules(document, registry, 'test rules');
  } catch (error) {
    expect(error).toBeInstanceOf(FlowRulesError);
    return (error as Error).message;
  }
  throw new Error('expected the rules to be refused');
}

describe('flow rules', () => {
  it('loads the shipped example with both rule shapes, normalised', () => {
    const rules = loadFlowRules(SHIPPED, registry);
    expect(rules.file).toBe(SHIPPED);
    expect(rules.version).toMatch(/^f-[0-9a-f]{6}$/);
    expect(rules.rules).toEqual([
      {
        name: 'order-reaches-crm',
        description: 'An order created in the ERP appears in the CRM within 15 minutes',
        entityType: 'order',
        when: { type: 'order.created', source: 'erp' },
        expect: { source: 'crm', sameFields: [], tolerance: 0 },
        deadline: { kind: 'within', ms: 15 * 60_000, text: '15m' },
      },
      {
        name: 'invoice-paid',
        description: 'An issued invoice is paid with the invoiced amount before its due date',
        entityType: 'invoice',
        when: { type: 'invoice.issued' },
        expect: { type: 'payment.received', link: 'invoiceId', sameFields: ['amount', 'currency'], tolerance: 0 },
        deadline: { kind: 'field', field: 'dueDate' },
      },
    ]);
  });

  it('gives the same fingerprint to the same rules and another one to changed rules', () => {
    const a = parseFlowRules({ rules: [orderRule] }, registry);
    expect(parseFlowRules({ rules: [{ ...orderRule }] }, registry).version).toBe(a.version);
    expect(parseFlowRules({ rules: [{ ...orderRule, within: '20m' }] }, registry).version).not.toBe(a.version);
    expect(parseFlowRules({ rules: [] }, registry).rules).toEqual([]);
  });

  it('accepts every duration unit and numeric tolerance', () => {
    for (const [within, ms] of [['90s', 90_000], ['4h', 4 * 3_600_000], ['2d', 2 * 86_400_000]] as const) {
      expect(parseFlowRules({ rules: [{ ...orderRule, within }] }, registry).rules[0]!.deadline).toEqual({ kind: 'within', ms, text: within });
    }
    const tolerant = parseFlowRules({ rules: [{ ...invoiceRule, expect: { ...invoiceRule.expect, tolerance: 0.01 } }] }, registry);
    expect(tolerant.rules[0]!.expect.tolerance).toBe(0.01);
  });

  describe('refuses, naming the place and the reason', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['no rules list', { flows: [] }, /expected a top-level "rules" list/],
      ['not an object at all', 'rules', /expected a top-level "rules" list/],
      ['an unknown top-level key', { rules: [], rulez: [] }, /rulez is not a known key/],
      ['a rule that is not an object', { rules: ['order'] }, /rules\[0\] must be an object/],
      ['a bad name', { rules: [{ ...orderRule, name: 'Order Reaches CRM' }] }, /rules\[0\] \(Order Reaches CRM\)\.name must match/],
      ['a duplicate name', { rules: [orderRule, orderRule] }, /rules\[1\] \(order-reaches-crm\)\.name: order-reaches-crm is used by an earlier rule/],
      ['a misspelt key', { rules: [{ ...orderRule, withn: '15m' }] }, /withn is not a known key/],
      ['an unknown event type', { rules: [{ ...orderRule, when: { type: 'order.created.v2' } }] }, /when\.type: order\.created\.v2 is not a registered event type \(known: .*order\.created/],
      ['the hub\'s own type as a start', { rules: [{ ...orderRule, when: { type: 'flow.overdue' } }] }, /when\.type: flow\.overdue is one of the hub's own records/],
      ['a bad source', { rules: [{ ...orderRule, when: { type: 'order.created', source: 'ERP!' } }] }, /when\.source must be a source name/],
      ['the hub as a source', { rules: [{ ...orderRule, expect: { source: 'concord' } }] }, /expect\.source: concord is the hub itself/],
      ['an empty expectation', { rules: [{ ...orderRule, expect: {} }] }, /expect needs a type, a source or both/],
      ['neither within nor deadline', { rules: [{ ...orderRule, within: undefined }] }, /needs exactly one of within \(e\.g\. 15m\) or deadline/],
      ['both within and deadline', { rules: [{ ...invoiceRule, within: '1d' }] }, /needs exactly one of within/],
      ['a duration without a unit', { rules: [{ ...orderRule, within: '15' }] }, /within must be a duration like 90s, 15m, 4h or 2d/],
      ['a zero duration', { rules: [{ ...orderRule, within: '0m' }] }, /within must be a duration/],
      ['a duration over a year', { rules: [{ ...orderRule, within: '400d' }] }, /at most 366d/],
      ['a deadline field the contract lacks', { rules: [{ ...invoiceRule, deadline: 'due' }] }, /deadline: invoice\.issued has no field due \(the deadline\); its fields: orderId, amount, currency, dueDate/],
      ['a deadline field that is no date', { rules: [{ ...invoiceRule, deadline: 'amount' }] }, /deadline: invoice\.issued does not declare amount as an ISO-8601 date/],
      ['a link field the contract lacks', { rules: [{ ...invoiceRule, expect: { ...invoiceRule.expect, link: 'invoice' } }] }, /expect\.link: payment\.received has no field invoice/],
      ['a link without a type', { rules: [{ ...invoiceRule, expect: { source: 'billing', link: 'invoiceId' } }] }, /expect\.link needs expect\.type/],
      [
        'an event about another entity without a link',
        { rules: [{ ...invoiceRule, expect: { type: 'payment.received' } }] },
        /expect: payment\.received is about subject type payment, invoice\.issued about invoice; add link: <field of payment\.received that holds the invoice id>/,
      ],
      ['a compared field one side lacks', { rules: [{ ...invoiceRule, expect: { ...invoiceRule.expect, sameFields: ['amount', 'dueDate'] } }] }, /sameFields: payment\.received has no field dueDate/],
      ['sameFields that is not a list', { rules: [{ ...invoiceRule, expect: { ...invoiceRule.expect, sameFields: 'amount' } }] }, /sameFields must be a non-empty list/],
      ['a field listed twice', { rules: [{ ...invoiceRule, expect: { ...invoiceRule.expect, sameFields: ['amount', 'amount'] } }] }, /sameFields lists a field twice/],
      ['a path with odd characters', { rules: [{ ...invoiceRule, expect: { ...invoiceRule.expect, sameFields: ['amount; DROP'] } }] }, /"amount; DROP" is not a data field path/],
      [
        'a compared field that is personal data (an erasure could not take it back out of the flows model)',
        { rules: [{ name: 'customer-in-billing', when: { type: 'customer.upserted', source: 'crm' }, expect: { type: 'customer.upserted', source: 'billing', sameFields: ['country', 'email'] }, within: '1h' }] },
        /expect\.sameFields: email is personal data of customer \(customer\.upserted: email\); flows compare no personal fields/,
      ],
      ['a negative tolerance', { rules: [{ ...invoiceRule, expect: { ...invoiceRule.expect, tolerance: -1 } }] }, /tolerance must be a number ≥ 0/],
      ['a tolerance without fields', { rules: [{ ...orderRule, expect: { source: 'crm', tolerance: 1 } }] }, /tolerance only applies with sameFields/],
      ['an empty description', { rules: [{ ...orderRule, description: '' }] }, /description must be text of 1\.\.500 characters/],
    ];
    it.each(cases)('%s', (_label, document, reason) => {
      expect(problemsOf(document)).toMatch(reason);
    });

    it('every problem of a file at once, not only the first', () => {
      const message = problemsOf({ rules: [{ ...orderRule, within: 'soon' }, { ...invoiceRule, deadline: 'due' }] });
      expect(message).toMatch(/rules\[0\] \(order-reaches-crm\)\.within/);
      expect(message).toMatch(/rules\[1\] \(invoice-paid\)\.deadline/);
    });

    it('a nested deadline field is followed through the contract (total.amount exists, total.when does not)', () => {
      expect(problemsOf({ rules: [{ ...orderRule, within: undefined, deadline: 'total.when' }] })).toMatch(/order\.created has no field total\.when/);
      expect(problemsOf({ rules: [{ ...orderRule, within: undefined, deadline: 'total.amount' }] })).toMatch(/does not declare total\.amount as an ISO-8601 date/);
    });
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'concord-flow-rules-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a missing file names the setting', () => {
      expect(() => loadFlowRules(join(dir, 'nope.yaml'), registry)).toThrow(/cannot read the flow rules .*nope\.yaml \(CONCORD_FLOW_RULES\)/);
    });

    it('a file that is not YAML says so', () => {
      writeFileSync(join(dir, 'bad.yaml'), 'rules: [ { name: x');
      expect(() => loadFlowRules(join(dir, 'bad.yaml'), registry)).toThrow(/are not valid YAML/);
    });

    it('JSON is YAML too', () => {
      writeFileSync(join(dir, 'rules.json'), JSON.stringify({ rules: [orderRule] }));
      expect(loadFlowRules(join(dir, 'rules.json'), registry).rules.map((r) => r.name)).toEqual(['order-reaches-crm']);
    });
  });
});
