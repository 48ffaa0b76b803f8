import { StoreUnavailableError } from '@concord/common';
import { SqliteEventStore } from '@concord/event-store';
import type { ProjectionDefinition } from './projection';
import { ProjectionRunner } from './projection-runner';
import { SharedLogFeed } from './shared-log-feed';
import type { ReadModelStore } from './read-model-store.port';
import { countingProjection as counting, describeEachReadModelBackend, ProjectionTestbed, statusChangedEvent as event } from './testing';

describeEachReadModelBackend('ProjectionRunner', (backend) => {
  it('applies each event exactly once across batches and restarts', async () => {
    const bed = await ProjectionTestbed.open(counting(), { backend });
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
    const bed = await ProjectionTestbed.open(counting(poison), { backend });
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
    const bed = await ProjectionTestbed.open(counting(), { backend });
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
    const bed = await ProjectionTestbed.open(counting(), { backend });
    await bed.given([event('1')]);
    await bed.runner.start();
    const [later] = await bed.given([event('2')]);
    await bed.runner.waitFor(later!.position);
    expect(await bed.doc('counts', 'A')).toEqual({ n: 2, ids: ['1', '2'] });
    await bed.close();
  });

  it('rebuilds from zero while running and reports rebuilding progress', async () => {
    const bed = await ProjectionTestbed.open(counting(), { backend });
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
    const bed = await ProjectionTestbed.open(counting(), { backend });
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
    const bed = await ProjectionTestbed.open(mutating, { backend });
    await bed.given([event('1'), event('2')]);
    await expect(bed.run()).rejects.toThrow(/Cannot assign to read only property/);
    await bed.close();
  });

  it('reports lag in events and seconds from the injected clock', async () => {
    const bed = await ProjectionTestbed.open(counting(), { backend });
    await bed.given([event('1'), event('2')], { stepMs: 0 });
    bed.clock.advance(90_000);
    expect(await bed.runner.status()).toMatchObject({ checkpoint: 0, headPosition: 2, lagEvents: 2, lagSeconds: 90 });
    await bed.run();
    expect(await bed.runner.status()).toMatchObject({ lagEvents: 0, lagSeconds: 0 });
    await bed.close();
  });

  it('rides out a read-model store outage: retries from the stored checkpoint, never marks the projection failed', async () => {
    const bed = await ProjectionTestbed.open(counting(), { backend });
    const stored = await bed.given([event('1'), event('2', 'B')]);
    let failuresLeft = 2;
    const flaky = new Proxy(bed.readModels, {
      get(target, property, receiver) {
        if (property === 'commit') {
          return async (commit: Parameters<ReadModelStore['commit']>[0]) => {
            if (failuresLeft-- > 0) throw new StoreUnavailableError('connection lost');
            return target.commit(commit);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const runner = new ProjectionRunner(counting(), { store: bed.store, readModels: flaky, clock: bed.clock, retryDelayMs: 5 });
    await runner.start();
    await runner.waitFor(stored[1]!.position);
    expect(failuresLeft).toBeLessThan(0);
    expect(await runner.status()).toMatchObject({ state: 'running', checkpoint: 2 });
    expect((await runner.status()).lastError).toBeUndefined();
    expect(await bed.snapshot()).toEqual({ 'counts/A': { n: 1, ids: ['1'] }, 'counts/B': { n: 1, ids: ['2'] } });
    await runner.stop();
    await bed.close();
  });

  it('rides out an outage of what apply writes to (the outbox broker): keeps what came before, retries the event, never fails', async () => {
    const bed = await ProjectionTestbed.open(counting(), { backend });
    const stored = await bed.given([event('1'), event('2'), event('3', 'B')]);
    let failuresLeft = 2;
    const inner = counting();
    const sinkDown: ProjectionDefinition = {
      ...inner,
      apply(e, view) {
        if (e.id === '2' && failuresLeft-- > 0) throw new StoreUnavailableError('broker unreachable');
        return inner.apply(e, view);
      },
    };
    const runner = new ProjectionRunner(sinkDown, { store: bed.store, readModels: bed.readModels, clock: bed.clock, retryDelayMs: 5 });
    await runner.start();
    await runner.waitFor(stored[2]!.position);
    expect(failuresLeft).toBeLessThan(0);
    expect(await runner.status()).toMatchObject({ state: 'running', checkpoint: stored[2]!.position });
    // Each event applied exactly once: event 1 was committed before the outage, 2 only after it.
    expect(await bed.snapshot()).toEqual({ 'counts/A': { n: 2, ids: ['1', '2'] }, 'counts/B': { n: 1, ids: ['3'] } });
    await runner.stop();
    await bed.close();
  });

  it('stops at an event the log refuses as damaged, naming it, and never skips it', async () => {
    const bed = await ProjectionTestbed.open(counting(), { backend });
    const stored = await bed.given([event('1'), event('2'), event('3')]);
    // A bit flipped on disk, behind the store's back (the triggers only guard the hub's own writes).
    bed.store.db.exec('DROP TRIGGER events_are_immutable');
    bed.store.db.exec(`UPDATE events SET recorded_at = '2001-01-01T00:00:00.000Z' WHERE event_id = '2'`);
    await bed.runner.start();
    await waitUntil(async () => bed.runner.currentState === 'failed');
    expect(await bed.runner.status()).toMatchObject({
      state: 'failed',
      checkpoint: 0,
      lastError: { eventId: '2', position: stored[1]!.position, message: expect.stringMatching(/event "2" at position 2 .*does not match its hash/) },
    });
    expect(await bed.readModels.checkpoint('counter')).toMatchObject({ state: 'failed', lastError: { eventId: '2' } });
    expect(await bed.snapshot()).toEqual({});
    await bed.close();
  });

  it('stops, saying why, when the log ends before its checkpoint (a torn or restored log), and rebuilds on request', async () => {
    const bed = await ProjectionTestbed.open(counting(), { backend });
    await bed.given([event('1'), event('2'), event('3')]);
    await bed.run();
    // The same read models over a log that lost its last two events, then took a new one at position 2.
    const shorter = SqliteEventStore.open(':memory:');
    const [kept] = await bed.store.readAll({ limit: 1 });
    await shorter.append({ stream: kept!.stream, events: [{ envelope: event('1'), transport: kept!.transport }] });
    await shorter.append({ stream: kept!.stream, events: [{ envelope: event('9'), transport: kept!.transport }] });
    const runner = new ProjectionRunner(counting(), { store: shorter, readModels: bed.readModels, clock: bed.clock });
    await runner.start();
    expect(runner.currentState).toBe('failed');
    expect((await runner.status()).lastError?.message).toMatch(/applied the log up to position 3, but the event log ends at 2: the log lost its tail .* rebuild it/);
    expect(await bed.doc('counts', 'A')).toEqual({ n: 3, ids: ['1', '2', '3'] }); // nothing applied on top of the lost positions

    await runner.rebuild();
    await runner.waitFor(2);
    expect(await bed.snapshot()).toEqual({ 'counts/A': { n: 2, ids: ['1', '9'] } });
    await runner.stop();
    await shorter.close();
    await bed.close();
  });
});

describe('ProjectionRunner on a shared log feed', () => {
  /** A second counter in its own collection, so two runners can share one read-model store. */
  function namedCounter(name: string, poison: ReadonlySet<string> = new Set()): ProjectionDefinition {
    const inner = counting(poison);
    return {
      ...inner,
      name,
      collections: [name],
      async apply(e, view) {
        const current = (await view.get<{ n: number; ids: string[] }>(name, e.subject.id)) ?? { n: 0, ids: [] };
        view.put(name, e.subject.id, { n: current.n + 1, ids: [...current.ids, e.id] });
        if (poison.has(e.id)) throw new Error(`cannot apply ${e.id}`);
      },
    };
  }

  it('given two runners on one feed, when one fails on an event, then the other goes on and both equal a rebuild after the fix', async () => {
    const poison = new Set(['3']);
    const bed = await ProjectionTestbed.open(counting());
    const feed = new SharedLogFeed({ store: bed.store });
    const healthy = new ProjectionRunner(namedCounter('healthy'), { store: bed.store, feed, readModels: bed.readModels, clock: bed.clock });
    const failing = new ProjectionRunner(namedCounter('failing', poison), { store: bed.store, feed, readModels: bed.readModels, clock: bed.clock });
    await healthy.start();
    await failing.start();
    await bed.given([event('1'), event('2'), event('3'), event('4'), event('5', 'B')]);
    await healthy.waitFor(5);
    await waitUntil(async () => failing.currentState === 'failed');
    expect(await bed.doc('healthy', 'A')).toEqual({ n: 4, ids: ['1', '2', '3', '4'] });
    expect(await bed.doc('failing', 'A')).toEqual({ n: 2, ids: ['1', '2'] });

    poison.clear();
    await failing.start();
    await bed.given([event('6')]);
    await Promise.all([healthy.waitFor(6), failing.waitFor(6)]);
    expect(await bed.doc('failing', 'A')).toEqual(await bed.doc('healthy', 'A'));
    expect(await bed.doc('failing', 'B')).toEqual({ n: 1, ids: ['5'] });
    await healthy.stop();
    await failing.stop();
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
