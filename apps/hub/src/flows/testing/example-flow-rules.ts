import { ContractRegistry, exampleContracts } from '@concord/contracts';
import { parseFlowRules } from '../flow-rules';

export const exampleRegistry = new ContractRegistry(exampleContracts);

/** The two rule shapes of config/flows.yaml, as specs use them (kept here so a docs edit of the file cannot change a spec). */
export const exampleFlowRules = parseFlowRules(
  {
    rules: [
      { name: 'order-reaches-crm', when: { type: 'order.created', source: 'erp' }, expect: { source: 'crm' }, within: '15m' },
      { name: 'invoice-paid', when: { type: 'invoice.issued' }, expect: { type: 'payment.received', link: 'invoiceId', sameFields: ['amount', 'currency'] }, deadline: 'dueDate' },
    ],
  },
  exampleRegistry,
);
