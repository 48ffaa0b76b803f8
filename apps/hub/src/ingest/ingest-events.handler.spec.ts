import { serializeForQuarantine } from './ingest-events.handler';

describe('serializeForQuarantine', () => {
  it('keeps an ordinary payload exactly as JSON.stringify would', () => {
    const payload = { id: 'e1', data: { a: [1, { b: 'x' }] } };
    expect(serializeForQuarantine(payload)).toBe(JSON.stringify(payload));
  });

  it('cuts a 10,000-deep payload instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`) as unknown;
    const text = serializeForQuarantine(deep);
    expect(text).toContain('[cut: nested deeper than 64 levels]');
    expect(text.length).toBeLessThan(1000);
  });
});
