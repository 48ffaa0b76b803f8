import type { EventEnvelope } from '@concord/contracts';
import type { ProjectionDefinition } from './projection';
import { ProjectionRunner } from './projection-runner';
import { ProjectionTestbed } from './testing';

function event(id: string, subjectId = 'A'): EventEnvelope {
  return {
    id,
    source: 'erp',
    type: 'order.status-changed',
    schemaVersion: 1,
    subject: { type: 'order', id: subjectId },
    occurredAt: '2026-11-21T09:00:00Z',
    data: { status: id },
  };
}

/** Counts events per subject and remembers the last id; throws on ids listed in `poison`. */
function counting(poison: Set<string> = new Set(), version = 1): ProjectionDefinition {
  return {
    name: 'counter',
    version,
    collections: ['counts'],
    handles: ['order.status-changed'],
    async apply(e, view) {
      const current = (await view.get<{ n: number; ids: string[] }>('counts', e.subject.id)) ?? { n: 0, ids: [] };
      view.put('counts', e.subject.id, { n: current.n + 1, ids: [...current.ids, e.id] });
      if (poison.has(e.id)) throw new Error(`cannot apply ${e.id}`);
    },
  };
}

describe('ProjectionRunner', () => {
  it('applies each event exactly once across batches and restarts', async () => {
    const bed = new ProjectionTestbed(counting());
    await bed.given([event('1'), event('2'), event('3', 'B')]);
    await bed.run();
    await bed.given([event('4')]);
    await bed.run();
    expect(await bed.doc('counts', 'A')).toEqual({ n: 3, ids: ['1', '2', '4'] });
    expect(await bed.doc('counts', 'B')).toEqual({ n: 1, ids: ['3'] });
    expect((await bed.readModels.checkpoint('counter'))!.position).toBe(4);
    await bed.close();
  });

  it('stops at a failing event, keeps what came before, reports it, and never skips it', async () => {
    const poison = new Set(['3']);
    const bed = new ProjectionTestbed(counting(poison));
    const stored = await bed.given([event('1'), event('2'), event('3'), event('4')]);
    await bed.runner.start();
    await waitUntil(async () => bed.runner.currentState === 'failed');
    const status = await bed.runner.status();
    expect(status).toMatchObject({
      state: 'failed',
      checkpoint: stored[1]!.position,
      lagEvents: 2,
      lastError: { eventId: '3', position: stored[2]!.position, message: 'cannot apply 3' },
    });
    // Half-applied event 3 left no trace.
    expect(await bed.doc('counts', 'A')).toEqual({ n: 2, ids: ['1', '2'] });
    expect(await bed.readModels.checkpoint('counter')).toMatchObject({ state: 'failed', lastError: { eventId: '3' } });

    poison.clear(); // the fix
    await bed.runner.start();
    await bed.runner.waitFor(stored[3]!.position);
    expect(await bed.doc('counts', 'A')).toEqual({ n: 4, ids: ['1', '2', '3', '4'] });
    expect((await bed.runner.status()).state).toBe('running');
    await bed.close();
  });

  it('a crash between applying and checkpointing leaves a read model equal to a rebuild', async () => {
    const bed = new ProjectionTestbed(counting());
    await bed.given([event('1'), event('2')]);
    await bed.run();
    await bed.given([event('3'), event('4', 'B')]);

    const crashing = new ProjectionRunner(counting(), {
      store: bed.store,
      readModels: bed.readModels,
      clock: bed.clock,
      beforeCommit: () => {
        throw new Error('process killed');
      },
    });
    await crashing.load();
    await expect(crashing.catchUp()).rejects.toThrow('process killed');

    await bed.run(); // the restarted projector
    const afterRestart = await bed.snapshot();
    expect(afterRestart).toEqual({ 'counts/A': { n: 3, ids: ['1', '2', '3'] }, 'counts/B': { n: 1, ids: ['4'] } });
    expect(await bed.rebuild()).toEqual(afterRestart);
    await bed.close();
  });

  it('follows the log live after catching up', async () => {
    const bed = new ProjectionTestbed(counting());
    await bed.given([event('1')]);
    await bed.runner.start();
    const [later] = await bed.given([event('2')]);
    await bed.runner.waitFor(later!.position);
    expect(await bed.doc('counts', 'A')).toEqual({ n: 2, ids: ['1', '2'] });
    await bed.close();
  });

  it('rebuilds from zero while running and reports rebuilding progress', async () => {
    const bed = new ProjectionTestbed(counting());
    const stored = await bed.given([event('1'), event('2'), event('3')]);
    await bed.runner.start();
    await bed.runner.waitFor(stored[2]!.position);
    await bed.runner.rebuild();
    await bed.runner.waitFor(stored[2]!.position);
    expect(await bed.doc('counts', 'A')).toEqual({ n: 3, ids: ['1', '2', '3'] });
    expect((await bed.runner.status()).state).toBe('running');
    await bed.close();
  });

  it('rebuilds a stored read model written by another projection version', async () => {
    const bed = new ProjectionTestbed(counting());
    await bed.given([event('1'), event('2')]);
    await bed.run();
    const v2 = new ProjectionRunner(counting(new Set(), 2), { store: bed.store, readModels: bed.readModels, clock: bed.clock });
    await v2.start();
    await v2.waitFor(2);
    expect(await bed.readModels.checkpoint('counter')).toMatchObject({ version: 2, position: 2, state: 'running' });
    expect(await bed.doc('counts', 'A')).toEqual({ n: 2, ids: ['1', '2'] });
    await v2.stop();
    await bed.close();
  });

  it('in specs, a projection that mutates a document it read fails instead of drifting silently', async () => {
    const mutating: ProjectionDefinition = {
      ...counting(),
      async apply(e, view) {
        const current = await view.get<{ n: number }>('counts', e.subject.id);
        if (current) current.n += 1; // the bug: changes the shared document without put
        else view.put('counts', e.subject.id, { n: 1 });
      },
    };
    const bed = new ProjectionTestbed(mutating);
    await bed.given([event('1'), event('2')]);
    await expect(bed.run()).rejects.toThrow(/Cannot assign to read only property/);
    await bed.close();
  });

  it('reports lag in events and seconds from the injected clock', async () => {
    const bed = new ProjectionTestbed(counting());
    await bed.given([event('1'), event('2')], { stepMs: 0 });
    bed.clock.advance(90_000);
    expect(await bed.runner.status()).toMatchObject({ checkpoint: 0, headPosition: 2, lagEvents: 2, lagSeconds: 90 });
    await bed.run();
    expect(await bed.runner.status()).toMatchObject({ lagEvents: 0, lagSeconds: 0 });
    await bed.close();
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
