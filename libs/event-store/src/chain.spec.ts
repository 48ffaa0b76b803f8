import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson } from '@concord/common';
import { ENVELOPE_FIELDS } from '@concord/contracts';
import { chainedFieldsOf, chainHash, contentDigest, GENESIS_HASH, hashedTextOf, hashOfStoredText, hashWithRevision, prepareForChain, type ChainedFields, type StoredText } from './chain';
import { prepareRequest } from './sqlite/prepared-append';
import { anEnvelope } from './testing';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const hub = { stream: 'order-SO-1', revision: 4, recordedAt: '2026-11-21T10:00:01.000Z', transport: { kind: 'http', requestId: 'r-1' } as const };

function fields(overrides: Partial<ChainedFields> = {}): ChainedFields {
  return { ...anEnvelope({ id: 'e-1' }), ...hub, ...overrides };
}

describe('hash chain', () => {
  it('hash = SHA-256(prevHash ‖ "\\n" ‖ canonicalJson(hashed fields)), as documented', () => {
    const event = fields({ sourceSequence: 7, correlationId: 'flow', actor: { type: 'user', id: 'alice' } });
    const expected = sha256(`${GENESIS_HASH}\n${canonicalJson(chainedFieldsOf(event))}`);
    expect(chainHash(GENESIS_HASH, event)).toBe(expected);
    expect(canonicalJson(chainedFieldsOf(event))).toBe(
      '{"actor":{"id":"alice","type":"user"},"correlationId":"flow","data":{"status":"OPEN"},"id":"e-1","occurredAt":"2026-11-21T10:00:00Z",' +
        '"recordedAt":"2026-11-21T10:00:01.000Z","revision":4,"schemaVersion":1,"source":"erp","sourceSequence":7,"stream":"order-SO-1",' +
        '"subject":{"id":"SO-1","type":"order"},"transport":{"kind":"http","requestId":"r-1"},"type":"order.status-changed"}',
    );
  });

  it('splits the hashed text exactly around the revision, for any data and optional fields', () => {
    const optional = fc.option(fc.string({ minLength: 1 }), { nil: undefined });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), optional, optional, (data, revision, correlationId, causationId) => {
        const event = fields({ data, revision, correlationId, causationId });
        const text = hashedTextOf(event);
        expect(`${text.before}${revision}${text.after}`).toBe(canonicalJson(chainedFieldsOf(event)));
        expect(hashWithRevision('ab', text, revision)).toBe(sha256(`ab\n${canonicalJson(chainedFieldsOf(event))}`));
      }),
      { numRuns: 200 },
    );
  });

  it('recomputes the same hash from the stored columns (what every read checks), for any data and optional fields', () => {
    const optional = fc.option(fc.string({ minLength: 1 }), { nil: undefined });
    const actor = fc.option(fc.record({ type: fc.string({ minLength: 1 }), id: fc.string({ minLength: 1 }) }), { nil: undefined });
    const sequence = fc.option(fc.nat(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.nat(),
        optional,
        optional,
        actor,
        sequence,
        fc.string(),
        (data, revision, correlationId, causationId, actorRef, sourceSequence, id) => {
          const event = fields({ id, data, revision, correlationId, causationId, actor: actorRef, sourceSequence });
          const [columns] = prepareRequest({ stream: event.stream, events: [{ envelope: event, transport: event.transport }] }, event.recordedAt).events;
          const stored: StoredText = { ...columns!, stream: event.stream, revision, recordedAt: event.recordedAt };
          expect(hashOfStoredText('ab', stored)).toBe(chainHash('ab', event));
          expect(hashOfStoredText('ab', { ...stored, dataJson: `${stored.dataJson} ` })).not.toBe(chainHash('ab', event));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('prepares the digest and stored columns in one pass', () => {
    const envelope = anEnvelope({ id: 'e-2', actor: { type: 'system', id: 'sync' }, data: { status: 'OPEN', reason: 'ünï' } });
    const prepared = prepareForChain(envelope, hub);
    expect(prepared.digest).toBe(contentDigest(envelope));
    expect(prepared.dataJson).toBe('{"reason":"ünï","status":"OPEN"}');
    expect(prepared.actorJson).toBe('{"id":"sync","type":"system"}');
    expect(prepared.transportJson).toBe('{"kind":"http","requestId":"r-1"}');
  });

  it('covers every field: changing any one changes the hash', () => {
    const base = chainHash(GENESIS_HASH, fields());
    const variants: Array<Partial<ChainedFields>> = [
      { id: 'e-9' },
      { source: 'crm' },
      { type: 'order.created' },
      { schemaVersion: 2 },
      { subject: { type: 'order', id: 'SO-2' } },
      { occurredAt: '2026-11-21T10:00:01Z' },
      { sourceSequence: 1 },
      { correlationId: 'c' },
      { causationId: 'c' },
      { actor: { type: 'user', id: 'bob' } },
      { data: { status: 'CLOSED' } },
      { stream: 'order-SO-2' },
      { revision: 5 },
      { recordedAt: '2026-11-21T10:00:02.000Z' },
      { transport: { kind: 'http', requestId: 'r-2' } },
    ];
    for (const variant of variants) expect(chainHash(GENESIS_HASH, fields(variant))).not.toBe(base);
    expect(chainHash('f'.repeat(64), fields())).not.toBe(base);
  });

  it('ignores properties outside the hashed fields (a stored event carries position and hashes)', () => {
    const event = fields();
    expect(chainHash(GENESIS_HASH, { ...event, position: 99, hash: 'x', prevHash: 'y' } as ChainedFields)).toBe(chainHash(GENESIS_HASH, event));
  });

  it('hashes every envelope field the contracts define', () => {
    const hashed = Object.keys(chainedFieldsOf(fields()));
    for (const field of ENVELOPE_FIELDS) expect(hashed).toContain(field);
  });
});

describe('contentDigest', () => {
  it('is the SHA-256 of the canonical envelope, so key order does not matter', () => {
    const envelope = anEnvelope({ id: 'd-1', data: { b: 1, a: 2 } });
    expect(contentDigest(envelope)).toBe(sha256(canonicalJson(envelope)));
    const reordered = Object.fromEntries(Object.entries({ ...envelope, data: { a: 2, b: 1 } }).reverse()) as unknown as typeof envelope;
    expect(contentDigest(reordered)).toBe(contentDigest(envelope));
  });

  it('differs when the content differs', () => {
    expect(contentDigest(anEnvelope({ id: 'd-1' }))).not.toBe(contentDigest(anEnvelope({ id: 'd-1', data: { status: 'X' } })));
    expect(contentDigest(anEnvelope({ id: 'd-1' }))).not.toBe(contentDigest(anEnvelope({ id: 'd-1', sourceSequence: 0 })));
  });
});
