import { StoreUnavailableError } from '@concord/common';
import { LeasedProjector, type LeaseChange } from './leased-projector';
import { ProjectionRunner } from './projection-runner';
import type { ReadModelStore } from './read-model-store.port';
import { countingProjection, describeEachReadModelBackend, ProjectionTestbed, statusChangedEvent as event, type ReadModelBackend } from './testing';

const TTL = 10_000;

/** Two projector processes (a and b) on one log and one read-model store, with one manual clock; rounds are played by hand. */
async function twoProjectors(backend: ReadModelBackend) {
  const bed = await ProjectionTestbed.open(countingProjection(), { backend });
  /** While on, a's store calls fail as in an outage (all of them, or only the method named). */
  const outage: { on: boolean; only?: string } = { on: false };
  const changes: string[] = [];
  const projector = (owner: string, readModels: ReadModelStore = bed.readModels) => {
    const runner = new ProjectionRunner(countingProjection(), { store: bed.store, readModels, clock: bed.clock });
    return new LeasedProjector(runner, {
      leases: readModels,
      owner,
      clock: bed.clock,
      ttlMs: TTL,
      onChange: (change: LeaseChange) => changes.push(`${owner} ${change.kind}`),
    });
  };
  const flaky = new Proxy(bed.readModels, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (outage.on && (outage.only === undefined || outage.only === property)) return Promise.reject(new StoreUnavailableError('read-model store unreachable'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const a = projector('a', flaky);
  const b = projector('b');
  return {
    bed,
    a,
    b,
    outage,
    changes,
    async close() {
      await a.stop();
      await b.stop();
      await bed.close();
    },
  };
}

describeEachReadModelBackend('LeasedProjector', (backend) => {
  it('runs a projection in one process only; the other stands by and reports the stored checkpoint', async () => {
    const { bed, a, b, close } = await twoProjectors(backend);
    const stored = await bed.given([event('1'), event('2')]);
    await a.tick();
    await b.tick();
    expect([a.active, b.active]).toEqual([true, false]);
    expect(b.runner.currentState).toBe('standby');
    expect(b.lease).toMatchObject({ owner: 'a', token: 1 });
    await a.runner.waitFor(stored[1]!.position);
    expect(await b.runner.status()).toMatchObject({ state: 'standby', checkpoint: stored[1]!.position, lagEvents: 0 });
    expect(await bed.doc('counts', 'A')).toEqual({ n: 2, ids: ['1', '2'] });
    await close();
  });

  it('given the holder died, the standby takes over once the lease lapses, and continues from its checkpoint', async () => {
    const { bed, a, b, close } = await twoProjectors(backend);
    const first = await bed.given([event('1'), event('2')]);
    await a.tick();
    await a.runner.waitFor(first[1]!.position);
    await a.runner.standBy(); // a dies: it stops, renews nothing and releases nothing

    bed.clock.advance(TTL - 1);
    await b.tick();
    expect(b.active).toBe(false);
    bed.clock.advance(1);
    await b.tick();
    expect(b.active).toBe(true);
    expect(b.lease).toMatchObject({ owner: 'b', token: 2 });

    const later = await bed.given([event('3'), event('4', 'B')]);
    await b.runner.waitFor(later[1]!.position);
    const live = await bed.snapshot();
    expect(live).toEqual({ 'counts/A': { n: 3, ids: ['1', '2', '3'] }, 'counts/B': { n: 1, ids: ['4'] } });
    expect(await bed.rebuild()).toEqual(live);
    await close();
  });

  it('fences a holder that was cut off and kept running: its writes are refused, it stands down, nothing is applied twice', async () => {
    const { bed, a, b, changes, close } = await twoProjectors(backend);
    const first = await bed.given([event('1')]);
    await a.tick();
    await a.runner.waitFor(first[0]!.position);

    // a is paused (no rounds), its runner still follows the log; b takes the lapsed lease.
    bed.clock.advance(TTL);
    await b.tick();
    expect(b.active).toBe(true);

    const more = await bed.given([event('2'), event('3')]);
    await b.runner.waitFor(more[1]!.position);
    await waitUntil(() => a.runner.currentState === 'standby');
    expect(await bed.doc('counts', 'A')).toEqual({ n: 3, ids: ['1', '2', '3'] });

    await a.tick(); // a wakes up and learns it lost
    expect(a.active).toBe(false);
    expect(a.lease).toMatchObject({ owner: 'b', token: 2 });
    expect(changes).toEqual(['a acquired', 'b acquired', 'a lost']);
    expect(await bed.readModels.checkpoint('counter')).toMatchObject({ state: 'running', position: more[1]!.position });
    await close();
  });

  it('hands over at once on a clean stop', async () => {
    const { bed, a, b, close } = await twoProjectors(backend);
    await bed.given([event('1')]);
    await a.tick();
    await b.tick();
    await a.stop();
    expect(await bed.readModels.checkpoint('counter')).toMatchObject({ state: 'stopped' });
    await b.tick();
    expect(b.active).toBe(true);
    expect(await bed.readModels.checkpoint('counter')).toMatchObject({ state: 'running' });
    await close();
  });

  it('retries a start that an outage cut short, once it holds the lease', async () => {
    const { bed, a, outage, changes, close } = await twoProjectors(backend);
    const stored = await bed.given([event('1')]);
    outage.on = true;
    outage.only = 'markState';
    await a.tick();
    expect(a.runner.currentState).toBe('stopped');
    expect(changes).toEqual(['a error']);
    outage.on = false;
    await a.tick();
    expect(a.runner.currentState).toBe('running');
    expect(changes).toEqual(['a error', 'a acquired']);
    await a.runner.waitFor(stored[0]!.position);
    await close();
  });

  it('keeps projecting through a store outage while its lease is surely valid, and steps down once it may not be', async () => {
    const { bed, a, b, outage, changes, close } = await twoProjectors(backend);
    await a.tick();
    outage.on = true;
    bed.clock.advance(TTL - 1);
    await a.tick();
    expect(a.active).toBe(true);
    bed.clock.advance(1);
    await a.tick();
    expect(a.active).toBe(false);
    expect(changes).toContain('a lost');
    outage.on = false;
    await b.tick();
    expect(b.active).toBe(true);
    await close();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
