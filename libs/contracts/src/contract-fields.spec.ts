import { FlowOverdueV1, InvoiceIssuedV1, OrderCreatedV1, QuarantineReplayedV1 } from './catalog';
import { contractField, declaredFields } from './contract-fields';

describe('contract fields (read from the DTO metadata)', () => {
  it('lists the declared top-level fields, inherited ones included', () => {
    expect(declaredFields(InvoiceIssuedV1)).toEqual(['orderId', 'amount', 'currency', 'dueDate']);
    expect(declaredFields(FlowOverdueV1)).toEqual(expect.arrayContaining(['expectationId', 'rule', 'entity', 'expectedBy', 'startedBy', 'problem']));
  });

  it('describes a field with its checks and whether it is optional', () => {
    expect(contractField(InvoiceIssuedV1, 'dueDate')).toEqual({ path: 'dueDate', optional: false, checks: ['isIso8601'] });
    expect(contractField(QuarantineReplayedV1, 'reason')).toEqual({ path: 'reason', optional: true, checks: ['isLength', 'isString'] });
  });

  it('follows nested objects through @ValidateNested and @Type', () => {
    expect(contractField(OrderCreatedV1, 'total.amount')).toEqual({ path: 'total.amount', optional: false, checks: ['isNumber'] });
    expect(contractField(FlowOverdueV1, 'entity.id')?.checks).toEqual(expect.arrayContaining(['isString']));
  });

  it('knows nothing of undeclared fields or paths into plain values', () => {
    expect(contractField(OrderCreatedV1, 'total.when')).toBeUndefined();
    expect(contractField(OrderCreatedV1, 'status.code')).toBeUndefined();
    expect(contractField(OrderCreatedV1, 'constructor')).toBeUndefined();
    expect(contractField(OrderCreatedV1, '')).toBeUndefined();
  });
});
