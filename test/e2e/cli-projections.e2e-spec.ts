import { PassThrough } from 'node:stream';
import { runCli } from '../../apps/hub/src/cli/main';
import { startTestHub } from './support/test-hub';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('concord CLI: projections', () => {
  it('rebuilds a projection from the data directory and reports status', async () => {
    const hub = await startTestHub();
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `e-${i}`,
      source: 'erp',
      type: 'order.status-changed',
      subject: { type: 'order', id: `SO-${i % 7}` },
      occurredAt: '2026-11-21T09:00:00Z',
      data: { status: `S${i}` },
    }));
    await hub.post('/v1/events', { events });
    await hub.settle();
    const before = (await hub.get('/v1/entities/order?limit=100')).body.items;
    await hub.close({ keepData: true });

    const out = capture();
    const err = capture();
    const code = await runCli(['projections', 'rebuild', 'entity-view'], { config: hub.config, out: out.stream, err: err.stream, interactive: false });
    expect(code).toBe(0);
    expect(out.text()).toMatch(/rebuilt entity-view: 30 events in [\d.]+ s \(\d+ events\/s\)/);
    expect(err.text()).toMatch(/rebuild entity-view: 100%\s+30\/30 events/);

    const status = capture();
    expect(await runCli(['projections', 'status'], { config: hub.config, out: status.stream, err: err.stream, interactive: false })).toBe(0);
    expect(status.text()).toMatch(/entity-view\s+state=running\s+checkpoint=30\s+head=30\s+lag=0 events/);

    const reopened = await startTestHub({ dataDir: hub.dataDir });
    await reopened.settle();
    expect((await reopened.get('/v1/entities/order?limit=100')).body.items).toEqual(before);
    await reopened.close();
  });

  it('refuses unknown projections and actions with usage', async () => {
    const hub = await startTestHub();
    await hub.close({ keepData: true });
    for (const argv of [['projections', 'rebuild', 'nope'], ['projections', 'explode'], ['projections']]) {
      const err = capture();
      expect(await runCli(argv, { config: hub.config, out: capture().stream, err: err.stream, interactive: false })).toBe(2);
      expect(err.text()).toContain('usage: npm run concord -- projections');
    }
    const unknown = capture();
    expect(await runCli(['frobnicate'], { config: hub.config, err: unknown.stream, out: capture().stream })).toBe(2);
    expect(unknown.text()).toContain('unknown command "frobnicate"');
  });
});
