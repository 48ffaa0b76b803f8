import type { EventStore } from '@concord/event-store';
import { loadConfig } from '../config/concord-config';
import { EventLogContributor } from './event-log.contributor';

function contributorWith(pending: number | undefined, writable = true) {
  const store = {
    checkWritable: async () => {
      if (!writable) throw new Error('disk full');
    },
    headPosition: async () => 12,
    ...(pending !== undefined ? { pendingEvents: () => pending, onCommit: () => () => undefined } : {}),
  } as unknown as EventStore;
  return new EventLogContributor(store, loadConfig({ CONCORD_MAX_PENDING_EVENTS: '50' }));
}

describe('EventLogContributor', () => {
  it('given a write queue under its limit, then ingestion may go on', () => {
    expect(contributorWith(49).ingestionPressure()).toEqual({ overloaded: false });
  });

  it('given a write queue at its limit, then ingestion is told 503, retry after 1 s, with the numbers', () => {
    expect(contributorWith(50).ingestionPressure()).toEqual({
      overloaded: true,
      statusCode: 503,
      retryAfterSeconds: 1,
      reason: expect.stringContaining('holds 50 events (limit 50)'),
    });
  });

  it('given an adapter without a write queue, then there is no queue pressure', () => {
    expect(contributorWith(undefined).ingestionPressure()).toEqual({ overloaded: false });
  });

  it('reports the log critical and not ready when it cannot take writes', async () => {
    const broken = contributorWith(0, false);
    expect(await broken.readiness()).toEqual({ ready: false, reason: 'disk full' });
    expect(await broken.status()).toMatchObject({ severity: 'critical', summary: expect.stringContaining('disk full') });
    expect(await contributorWith(60).status()).toMatchObject({ severity: 'warning' });
    expect(await contributorWith(0).status()).toMatchObject({ severity: 'ok', details: { headPosition: 12, pendingEvents: 0 } });
  });
});
