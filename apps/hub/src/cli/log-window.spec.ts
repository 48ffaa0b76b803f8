import { ManualClock } from '@concord/common';
import { SqliteEventStore } from '@concord/event-store';
import { aNewEvent } from '@concord/event-store/testing';
import { LogWindow } from './log-window';

describe('LogWindow', () => {
  let log: SqliteEventStore;

  beforeEach(async () => {
    log = SqliteEventStore.open(':memory:', { clock: new ManualClock('2026-11-21T10:00:00.000Z') });
    for (let i = 1; i <= 6; i++) await log.append({ stream: 'order-SO-1', events: [aNewEvent({ id: `e${i}` })] });
  });

  afterEach(() => log.close());

  it('given a window 2..4, reads only the events at those positions, however it is asked', async () => {
    const window = new LogWindow(log, 2, 4);
    expect((await window.readAll()).map((e) => e.id)).toEqual(['e2', 'e3', 'e4']);
    expect((await window.readAll({ after: 0, limit: 2 })).map((e) => e.id)).toEqual(['e2', 'e3']);
    expect((await window.readAll({ after: 3, limit: 100 })).map((e) => e.id)).toEqual(['e4']);
    expect(await window.readAll({ after: 4 })).toEqual([]);
    expect((await window.readStream('order-SO-1')).map((e) => e.position)).toEqual([2, 3, 4]);
    expect(await window.getEvent('e5')).toBeUndefined();
    expect((await window.getEvent('e3'))?.position).toBe(3);
    expect(await window.headPosition()).toBe(4);
  });

  it('ends at the head of the log when the window reaches past it', async () => {
    expect(await new LogWindow(log, 5, 99).headPosition()).toBe(6);
  });

  it('refuses writes, live following and impossible windows', async () => {
    const window = new LogWindow(log, 1, 2);
    await expect(window.append({ stream: 'order-SO-1', events: [aNewEvent({ id: 'x' })] })).rejects.toThrow('read-only');
    await expect(window.appendMany([])).rejects.toThrow('read-only');
    await expect(window.checkWritable()).rejects.toThrow('read-only');
    expect(() => window.subscribe()).toThrow('never followed live');
    expect(() => new LogWindow(log, 0, 2)).toThrow(RangeError);
    expect(() => new LogWindow(log, 3, 2)).toThrow(RangeError);
    expect(await log.headPosition()).toBe(6);
  });
});
