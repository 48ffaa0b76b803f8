import { formatAgo, formatDuration, formatRate, formatTime, fromLocalInput } from './format';
import { can } from './permissions';
import { href, parseRoute } from './router';

describe('routes in the URL fragment', () => {
  it('parses every page, ids with slashes and encoded characters, and query parameters', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/overview')).toEqual({ page: 'overview' });
    const entity = parseRoute('#/entity/order/SO%2F1?asOf=2026-11-21T10%3A00%3A00Z');
    expect(entity).toMatchObject({ page: 'entity', type: 'order', id: 'SO/1' });
    expect(entity.page === 'entity' && entity.query.get('asOf')).toBe('2026-11-21T10:00:00Z');
    expect(parseRoute('#/entity/order')).toMatchObject({ page: 'entity', type: 'order' });
    expect(parseRoute('#/quarantine/q-1')).toMatchObject({ page: 'quarantine', id: 'q-1' });
    expect(parseRoute('#/reconciliation/mismatch%3Aorder%2FSO-1%3Astatus')).toMatchObject({ page: 'reconciliation', itemId: 'mismatch:order/SO-1:status' });
    expect(parseRoute('#/audit/flow-7')).toMatchObject({ page: 'audit', correlationId: 'flow-7' });
    const flows = parseRoute('#/flows?rule=order-reaches-crm');
    expect(flows.page === 'flows' && flows.query.get('rule')).toBe('order-reaches-crm');
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
    expect(parseRoute('#/entity/order/%E0%A4%A')).toMatchObject({ page: 'entity', id: '%E0%A4%A' });
  });

  it('builds links that parse back to the same place, leaving out empty parameters', () => {
    const link = href('entity', ['order', 'SO 1/2'], { asOf: '2026-11-21T10:00:00Z', empty: '', none: undefined });
    expect(link).toBe('#/entity/order/SO%201%2F2?asOf=2026-11-21T10%3A00%3A00Z');
    expect(parseRoute(link)).toMatchObject({ page: 'entity', type: 'order', id: 'SO 1/2' });
  });
});

describe('formatting', () => {
  it('durations, relative times, rates and times', () => {
    expect([formatDuration(5), formatDuration(125), formatDuration(7200), formatDuration(90_000)]).toEqual(['5 s', '2 min 5 s', '2 h', '1 d 1 h']);
    expect(formatAgo('2026-11-21T10:00:00Z', Date.parse('2026-11-21T10:02:00Z'))).toBe('2 min ago');
    expect(formatAgo('2026-11-21T10:02:00Z', Date.parse('2026-11-21T10:00:00Z'))).toBe('in 2 min');
    expect([formatAgo(undefined), formatAgo('garbage')]).toEqual(['—', 'garbage']);
    expect([formatRate(0), formatRate(0.05), formatRate(0.25), formatRate(2.34), formatRate(12345)]).toEqual(['0/s', '3.0/min', '0.25/s', '2.3/s', '12,345/s']);
    expect(formatTime('2026-11-21T10:00:05.123Z')).toBe('2026-11-21 10:00:05Z');
    expect([fromLocalInput(''), fromLocalInput('not a date')]).toEqual([undefined, undefined]);
  });
});

describe('what each role is offered', () => {
  it('only admins replay the quarantine; connectors get nothing to read', () => {
    expect(can('admin', 'replay-quarantine')).toBe(true);
    expect(can('analyst', 'replay-quarantine')).toBe(false);
    expect(can('auditor', 'replay-quarantine')).toBe(false);
    expect(can('analyst', 'read')).toBe(true);
    expect(can('connector', 'read')).toBe(false);
    expect(can('auditor', 'verify')).toBe(true);
    expect(can('analyst', 'audit')).toBe(false);
  });
});
