import { KurrentNames } from './kurrent-names';
import { kurrentPositionOf, positionOf, type KurrentRecord } from './kurrent-records';

function record(position: KurrentRecord['position']): KurrentRecord {
  return { streamId: 'order-SO-1', id: 'x', revision: 0n, type: 't', data: {}, metadata: {}, isJson: true, position };
}

describe('position mapping', () => {
  it('uses the commit position of an implicitly committed event (commit = prepare)', () => {
    expect(positionOf(record({ commit: 4096n, prepare: 4096n }))).toBe(4096);
  });

  it('refuses events of explicit transactions, whose commit position does not identify them', () => {
    expect(() => positionOf(record({ commit: 5000n, prepare: 4096n }))).toThrow(/explicit transaction/);
  });

  it('refuses positions beyond 2^53 instead of rounding them', () => {
    const huge = BigInt(Number.MAX_SAFE_INTEGER) + 2n;
    expect(() => positionOf(record({ commit: huge, prepare: huge }))).toThrow(RangeError);
  });

  it('needs the position the server returns from 22.6 on', () => {
    expect(() => positionOf(record(undefined))).toThrow(/22\.6 or later/);
  });

  it('maps 0 to the start of $all and other positions to commit = prepare', () => {
    expect(kurrentPositionOf(0)).toBe('start');
    expect(kurrentPositionOf(4096)).toEqual({ commit: 4096n, prepare: 4096n });
    expect(() => kurrentPositionOf(-1)).toThrow(RangeError);
    expect(() => kurrentPositionOf(1.5)).toThrow(RangeError);
  });
});

describe('KurrentNames', () => {
  it('maps Concord streams 1:1 and keeps bookkeeping in system streams', () => {
    const names = new KurrentNames();
    expect(names.stream('order-SO-1')).toBe('order-SO-1');
    expect(names.idClaim('erp-1')).toBe('$concord-id-erp-1');
    expect(names.receipts('erp-1')).toBe('$concord-receipts-erp-1');
    expect(names.concordStream('order-SO-1')).toBe('order-SO-1');
  });

  it('never reads system streams or namespaced streams as Concord streams', () => {
    const names = new KurrentNames();
    expect(names.concordStream('$concord-id-erp-1')).toBeUndefined();
    expect(names.concordStream('$ce-order')).toBeUndefined();
    expect(names.concordStream('tenant_a.order-SO-1')).toBeUndefined();
  });

  it('with a namespace, sees only its own streams', () => {
    const names = new KurrentNames('tenant_a');
    expect(names.stream('order-SO-1')).toBe('tenant_a.order-SO-1');
    expect(names.idClaim('erp-1')).toBe('$concord.tenant_a-id-erp-1');
    expect(names.concordStream('tenant_a.order-SO-1')).toBe('order-SO-1');
    expect(names.concordStream('order-SO-1')).toBeUndefined();
    expect(names.concordStream('tenant_b.order-SO-1')).toBeUndefined();
  });
});
