import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainHash, chainedFieldsOf, READ_COLUMNS, SqliteEventStore, type Transport } from '@concord/event-store';
import { openDatabase } from '@concord/sqlite';
import { CHAIN_COLUMN_NAMES, hashOfRawRow, type RawChainRow } from './chain-columns';

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), text, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(text, tie('value'), { maxKeys: 4 }),
})).value;
const transports: fc.Arbitrary<Transport> = fc.oneof(
  fc.record({ kind: fc.constant('http' as const), requestId: text }),
  fc.record({ kind: fc.constant('kafka' as const), topic: text, partition: fc.nat(), offset: fc.nat().map(String), credential: text }),
  fc.record({ kind: fc.constant('internal' as const), component: text }),
);

describe('hashOfRawRow: the chain formula written out for stored rows', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'concord-chain-columns-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the columns the event log reads', () => {
    expect(CHAIN_COLUMN_NAMES).toBe(READ_COLUMNS);
  });

  it('equals chainHash over the stored event, for random events with and without every optional field', async () => {
    const file = join(dir, 'events.db');
    const store = SqliteEventStore.open(file, { writer: 'inline', synchronous: 'OFF' });
    const reader = openDatabase(file, { readonly: true });
    const select = reader.prepare(`SELECT ${CHAIN_COLUMN_NAMES} FROM events WHERE event_id = ?`).raw();
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            {
              subjectId: text,
              data: fc.dictionary(text, json, { maxKeys: 5 }),
              sourceSequence: fc.nat(),
              correlationId: text,
              causationId: text,
              actor: fc.record({ type: fc.constantFrom('user', 'system'), id: text }),
              transport: transports,
            },
            { requiredKeys: ['subjectId', 'data', 'transport'] },
          ),
          async (e) => {
            const id = `evt-${n++}`;
            const { transport, subjectId, ...optional } = e;
            const result = await store.append({
              stream: `order-${subjectId}`,
              events: [{ envelope: { id, source: 'erp', type: 'order.status-changed', schemaVersion: 1, subject: { type: 'order', id: subjectId }, occurredAt: '2026-11-21T10:00:00Z', ...optional }, transport }],
            });
            expect(result.ok).toBe(true);
            const row = select.get(id) as RawChainRow;
            const stored = (await store.getEvent(id))!;
            expect(hashOfRawRow(row)).toBe(row[18]);
            expect(chainHash(stored.prevHash, chainedFieldsOf(stored))).toBe(row[18]);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      reader.close();
      await store.close();
    }
  });

  it('changes when any stored byte of the hashed content changes', () => {
    const row: RawChainRow = [
      1, 'e-1', 'order-1', 0, 'order.created', 1, 'erp', 'order', '1', '2026-11-21T10:00:00Z', '2026-11-21T10:00:01.000Z',
      null, null, null, null, '{"a":1}', '{"kind":"internal"}', '0'.repeat(64), '',
    ];
    const base = hashOfRawRow(row);
    const variants: ReadonlyArray<readonly [index: number, value: string | number]> = [
      [15, '{"a":2}'], [15, '{"a": 1}'], [1, 'e-2'], [2, 'order-2'], [3, 1], [4, 'order.updated'], [5, 2], [6, 'crm'], [8, '2'], [7, 'invoice'],
      [9, '2026-11-21T10:00:01Z'], [10, '2026-11-21T10:00:02.000Z'], [11, 0], [12, 'c'], [13, 'c'], [14, '{"id":"u","type":"user"}'],
      [16, '{"kind":"http"}'], [17, '1'.repeat(64)],
    ];
    const changed = (index: number, value: unknown) => hashOfRawRow(row.map((v, i) => (i === index ? value : v)) as unknown as RawChainRow);
    for (const [index, value] of variants) expect({ index, hash: changed(index, value) }).not.toEqual({ index, hash: base });
    // position and the stored hash are not hashed content
    expect(changed(0, 9)).toBe(base);
    expect(changed(18, 'x')).toBe(base);
  });
});
