import { parsePrometheus, sumBy } from './prometheus';
import { RateHistory } from './rates';

const TEXT = `# HELP concord_events_received_total Candidate events received, by source and type
# TYPE concord_events_received_total counter
concord_events_received_total{source="erp",type="order.created"} 3
concord_events_received_total{source="erp",type="order.status-changed"} 2
concord_events_received_total{source="crm",type="order.created"} 4
concord_events_rejected_total{source="crm",type="unknown",reason="unknown-type"} 1
process_cpu_seconds_total 0.5 1700000000000
weird{label="with \\"quote\\", comma"} 7
broken{source="erp" 9
notanumber{a="b"} abc
`;

describe('parsePrometheus', () => {
  it('reads names, labels (escaped quotes and commas included) and values, and skips what it cannot read', () => {
    const samples = parsePrometheus(TEXT);
    expect(samples).toContainEqual({ name: 'concord_events_received_total', labels: { source: 'erp', type: 'order.created' }, value: 3 });
    expect(samples).toContainEqual({ name: 'process_cpu_seconds_total', labels: {}, value: 0.5 });
    expect(samples).toContainEqual({ name: 'weird', labels: { label: 'with "quote", comma' }, value: 7 });
    expect(samples.map((s) => s.name)).not.toContain('broken');
    expect(samples.map((s) => s.name)).not.toContain('notanumber');
  });

  it('sums one metric by a label', () => {
    const samples = parsePrometheus(TEXT, (name) => name.startsWith('concord_'));
    expect(sumBy(samples, 'concord_events_received_total', 'source')).toEqual({ erp: 5, crm: 4 });
    expect(sumBy(samples, 'concord_nothing', 'source')).toEqual({});
    expect(parsePrometheus('')).toEqual([]);
  });
});

describe('RateHistory', () => {
  it('turns successive counter totals into per-second rates per series', () => {
    const history = new RateHistory(3);
    history.add({ at: 0, totals: { erp: 10 } });
    expect(history.history()).toEqual([]);
    history.add({ at: 2000, totals: { erp: 30, crm: 4 } });
    expect(history.latest()).toEqual({ at: 2000, rates: { erp: 10, crm: 2 } });
    expect(history.series()).toEqual(['crm', 'erp']);
  });

  it('counts from zero after a counter reset (hub restart), ignores out-of-order snapshots, and keeps only the last points', () => {
    const history = new RateHistory(2);
    history.add({ at: 0, totals: { erp: 100 } });
    history.add({ at: 1000, totals: { erp: 5 } });
    expect(history.latest()!.rates.erp).toBe(5);
    history.add({ at: 1000, totals: { erp: 50 } });
    expect(history.history()).toHaveLength(1);
    history.add({ at: 2000, totals: { erp: 60 } });
    history.add({ at: 3000, totals: { erp: 61 } });
    expect(history.history().map((p) => p.at)).toEqual([2000, 3000]);
  });
});
