import type { AppendResult } from '../event-store.port';
import { aNewEvent } from '../testing';
import { prepareRequest } from './prepared-append';
import { fromColumns, resultsFromColumns, resultsToColumns, toColumns } from './prepared-columns';

describe('the hand-over to the writer thread (columns)', () => {
  const requests = [
    prepareRequest({ stream: 'order-SO-1', events: [aNewEvent({ id: 'a', sourceSequence: 3, actor: { type: 'user', id: 'u' } }), aNewEvent({ id: 'b' })] }, '2026-11-21T10:00:00.000Z'),
    prepareRequest({ stream: 'order-SO-2', expectedRevision: 'no-stream', events: [aNewEvent({ id: 'c', subject: { type: 'order', id: 'SO-2' }, correlationId: 'f' })] }, '2026-11-21T10:00:01.000Z'),
    prepareRequest({ stream: 'order-SO-3', expectedRevision: 4, events: [aNewEvent({ id: 'd', subject: { type: 'order', id: 'SO-3' } })] }, '2026-11-21T10:00:02.000Z'),
  ];

  it('carries every prepared request across unchanged', () => {
    expect(fromColumns(structuredClone(toColumns(requests)))).toEqual(requests);
  });

  it('carries every result back unchanged, refusals included', () => {
    const results: AppendResult[] = [
      {
        ok: true,
        events: [
          { id: 'a', status: 'appended', position: 7, stream: 'order-SO-1', revision: 0 },
          { id: 'b', status: 'duplicate', position: 3, stream: 'order-SO-1', revision: 1 },
        ],
      },
      { ok: false, reason: 'wrong-expected-revision', expected: 'no-stream', actual: 2 },
      { ok: true, events: [{ id: 'd', status: 'appended', position: 8, stream: 'order-SO-3', revision: 5 }] },
    ];
    expect(resultsFromColumns(requests, structuredClone(resultsToColumns(results)))).toEqual(results);
  });
});
