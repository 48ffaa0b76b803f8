import { join } from 'node:path';
import { ContractRegistry, exampleContracts, type EventEnvelope } from '@concord/contracts';
import { ERASED } from '@concord/personal-data';
import { applyGroupStep, refoldGroupWithout, type GroupState, type GroupStep } from './reconciliation-groups';
import { erasedFieldNames, eraseSourceFacts, isErasedValue, owedResolutions, touchesErased, withdrawnKey } from './reconciliation-erasure';
import { duplicateItemId, naturalKeyDocKey, RECON_ENTITIES, RECON_ITEMS, RECON_KEYS, RECON_SUMMARY, type NaturalKeyIndex, type ReconEntity, type ReconItem, type SourceFacts, type Summary } from './reconciliation-model';
import { loadReconciliationRules } from './reconciliation-rules';
import { ReconciliationTestbed } from './testing/reconciliation-testbed';

const registry = new ContractRegistry(exampleContracts);
const rules = loadReconciliationRules(join(__dirname, '../../../../config/reconciliation.yaml'), true);
const customerRule = rules.entities.get('customer')!;
const GRACE_MS = customerRule.graceSeconds * 1000;

let seq = 0;
function customer(source: string, id: string, data: Record<string, unknown>): EventEnvelope {
  seq += 1;
  return { id: `${source}-${seq}`, source, type: 'customer.upserted', schemaVersion: 1, subject: { type: 'customer', id }, occurredAt: `2026-11-21T09:00:${String(seq % 60).padStart(2, '0')}Z`, data: { name: 'Ada', ...data } };
}

const C1 = { type: 'customer', id: 'C-1' };
const duplicateId = duplicateItemId('customer', 'crm', 'ada@example.com');

describe('reconciliation and crypto-shredding: pure parts', () => {
  it('given compared values, reads "[erased]" (alone or inside a compared object) as erased and nothing else', () => {
    expect(isErasedValue(ERASED)).toBe(true);
    expect(isErasedValue({ address: { email: ERASED } })).toBe(true);
    expect(isErasedValue('erased')).toBe(false);
    expect(isErasedValue({ email: 'a@x.io' })).toBe(false);
    expect(isErasedValue(null)).toBe(false);
    expect(isErasedValue(0)).toBe(false);
  });

  it('given erased paths, a compared path touches them when equal, inside or containing one; siblings do not', () => {
    const erased = [['email'], ['contact', 'phone']];
    expect(touchesErased(['email'], erased)).toBe(true);
    expect(touchesErased(['contact'], erased)).toBe(true);
    expect(touchesErased(['contact', 'phone', 'mobile'], erased)).toBe(true);
    expect(touchesErased(['contact', 'fax'], erased)).toBe(false);
    expect(touchesErased(['emails'], erased)).toBe(false);
    expect(touchesErased(['country'], [])).toBe(false);
    expect(erasedFieldNames(customerRule, [['email'], ['name'], ['phone']])).toEqual(['email']);
  });

  it('given a source that reported an e-mail and a country, erasing drops the e-mail report and the natural key only', () => {
    const facts: SourceFacts = {
      firstSeenAt: 't0',
      firstEventId: 'e1',
      lastEventId: 'e2',
      lastOccurredAt: 't1',
      events: 2,
      staleEvents: 0,
      fields: { email: { value: 'ada@example.com', eventId: 'e1' }, country: { value: 'GB', eventId: 'e2' } },
      naturalKey: { value: 'ada@example.com', eventId: 'e1' },
      keyGroups: ['customer/crm/abc'],
    };
    const erased = eraseSourceFacts(facts, ['email'], true);
    expect(erased).toEqual({ firstSeenAt: 't0', firstEventId: 'e1', lastEventId: 'e2', lastOccurredAt: 't1', events: 2, staleEvents: 0, fields: { country: facts.fields.country } });
    expect(JSON.stringify(erased)).not.toContain('ada@');
    // A rule whose natural key is not personal keeps it.
    expect(eraseSourceFacts(facts, ['email'], false).naturalKey).toEqual(facts.naturalKey);
  });

  describe('a natural-key group folded again without a member', () => {
    const group = { entityType: 'customer', source: 'crm', value: 'ada@example.com' };
    const rule = { graceSeconds: 600, rulesVersion: 'r@1' };
    const at = (position: number) => ({ eventId: `e${position}`, position, at: `2026-11-21T10:00:${String(position).padStart(2, '0')}Z` });
    const join = (id: string, position: number): GroupStep => ({ kind: 'join', id, keyEventId: `e${position}`, ...at(position) });
    const fold = (steps: readonly GroupStep[]): GroupState => steps.reduce<GroupState>((state, step) => applyGroupStep(state, step, group, rule), { index: undefined, item: undefined });

    it('given two members and an opened duplicate, without one of them there is no group item and no record counts', () => {
      const steps = [join('C-1', 1), join('C-2', 2), { kind: 'opened', episode: 2, ...at(5) } as GroupStep];
      const live = fold(steps);
      expect(live.item).toMatchObject({ status: 'open', episode: 2, values: { crm: ['C-1', 'C-2'] } });
      const without = refoldGroupWithout(live.index!.steps!, 'C-1', group, rule);
      expect(without.item).toBeUndefined();
      expect(without.index).toEqual({ ...group, ids: { 'C-2': 'e2' }, steps: [join('C-2', 2)] });
      // and it is exactly what folding the other member alone gives (a rebuild never sees the erased key)
      expect(without).toEqual(fold([join('C-2', 2)]));
    });

    it('given three members, without the first the duplicate begins when the third joined, as a rebuild has it', () => {
      const steps = [join('C-1', 1), join('C-2', 2), join('C-3', 3)];
      const without = refoldGroupWithout(fold(steps).index!.steps!, 'C-1', group, rule);
      expect(without.item).toMatchObject({ status: 'pending', episode: 3, since: at(3).at, values: { crm: ['C-2', 'C-3'] }, evidence: ['e2', 'e3'] });
      expect(without).toEqual(fold([join('C-2', 2), join('C-3', 3)]));
    });

    it('given a member that left before, folding without it changes nothing else', () => {
      const steps = [join('C-1', 1), join('C-2', 2), { kind: 'leave', id: 'C-1', ...at(3) } as GroupStep, join('C-3', 4)];
      expect(refoldGroupWithout(fold(steps).index!.steps!, 'C-1', group, rule)).toEqual(fold([join('C-2', 2), join('C-3', 4)]));
    });

    it('given only the forgotten member, nothing is left of the group', () => {
      expect(refoldGroupWithout(fold([join('C-1', 1)]).index!.steps!, 'C-1', group, rule)).toEqual({ index: undefined, item: undefined });
    });
  });

  describe('the resolutions owed when an erasure withdraws an item', () => {
    const base: ReconItem = {
      id: 'customer/C-1:mismatch:email',
      kind: 'mismatch',
      entityType: 'customer',
      subject: C1,
      field: 'email',
      status: 'open',
      episode: 4,
      since: 't4',
      dueAt: 't9',
      values: { crm: 'a@x.io', billing: 'b@x.io' },
      evidence: ['e1', 'e4'],
      announce: [],
      announcing: false,
      history: [
        { change: 'disagreed', episode: 4, at: 't4', eventId: 'e4', position: 4, values: { crm: 'a@x.io', billing: 'b@x.io' }, evidence: ['e1', 'e4'] },
        { change: 'opened', episode: 4, at: 't9', eventId: 'r9', position: 9 },
      ],
      rulesVersion: 'r@1',
    };
    const erasure = { eventId: 'concord:subject-forgotten:x:1', at: 't12' };

    it('given an open item, when withdrawn, its resolution is owed, dated by the erasure, with no values left', () => {
      const [owed, ...more] = owedResolutions(base, undefined, erasure);
      expect(more).toEqual([]);
      expect(owed).toMatchObject({ id: base.id, episode: 4, status: 'resolved', resolvedBy: erasure.eventId, resolvedAt: 't12', announcing: true, announce: [{ episode: 4, at: 't12', by: erasure.eventId }], withdrawnBy: erasure.eventId, values: {}, evidence: [] });
      expect(JSON.stringify(owed)).not.toContain('x.io');
      expect(withdrawnKey(owed!.id, owed!.episode)).toBe('customer/C-1:mismatch:email#withdrawn:4');
    });

    it('given a pending item (never opened, nobody told), nothing is owed', () => {
      expect(owedResolutions({ ...base, status: 'pending', history: base.history.slice(0, 1) }, undefined, erasure)).toEqual([]);
    });

    it('given a resolution found but not announced yet, it is owed as the fold found it', () => {
      const resolved: ReconItem = { ...base, status: 'resolved', announce: [{ episode: 4, at: 't10', by: 'e10' }], announcing: true };
      expect(owedResolutions(resolved, undefined, erasure)).toEqual([expect.objectContaining({ resolvedAt: 't10', resolvedBy: 'e10', announce: [{ episode: 4, at: 't10', by: 'e10' }] })]);
    });

    it('given a resolution already announced, nothing is owed', () => {
      const announced: ReconItem = { ...base, status: 'resolved', history: [...base.history, { change: 'resolved', episode: 4, at: 't10', eventId: 'e10', position: 10 }, { change: 'announced', episode: 4, at: 't11', eventId: 'r11', position: 11 }] };
      expect(owedResolutions(announced, undefined, erasure)).toEqual([]);
    });

    it('given the item goes on with the same opened episode, nothing is owed for it', () => {
      expect(owedResolutions(base, base, erasure)).toEqual([]);
    });
  });
});

describe('reconciliation and crypto-shredding: the projection', () => {
  let recon: ReconciliationTestbed;

  beforeEach(() => {
    seq = 0;
    recon = new ReconciliationTestbed(registry, rules);
  });
  afterEach(() => recon.close());

  const summary = async () => (await recon.doc<Summary>(RECON_SUMMARY, 'customer'))!;
  const entity = async (id: string) => (await recon.doc<ReconEntity>(RECON_ENTITIES, `customer/${id}`))!;
  const keyGroup = () => recon.doc<NaturalKeyIndex>(RECON_KEYS, naturalKeyDocKey('customer', 'crm', 'ada@example.com'));

  async function expectLiveEqualsRebuild(): Promise<void> {
    const live = await recon.snapshot();
    expect(await recon.rebuild()).toEqual(live);
  }

  it('given two crm customers sharing an e-mail (a pending duplicate), when one is forgotten, the duplicate is withdrawn and no trace of its e-mail is left', async () => {
    await recon.given([customer('crm', 'C-1', { email: 'Ada@Example.com', country: 'GB' }), customer('crm', 'C-2', { email: 'ada@example.com', country: 'GB' })]);
    expect(await recon.doc(RECON_ITEMS, duplicateId)).toMatchObject({ kind: 'duplicate', status: 'pending', values: { crm: ['C-1', 'C-2'] } });

    await recon.forget(C1);

    expect(await recon.doc(RECON_ITEMS, duplicateId)).toBeUndefined();
    expect(await keyGroup()).toMatchObject({ ids: { 'C-2': 'crm-2' } });
    expect(JSON.stringify(await entity('C-1'))).not.toMatch(/ada@/i);
    expect((await entity('C-1')).sources.crm!.fields).toEqual({ country: expect.objectContaining({ value: 'GB' }) });
    expect(await summary()).toMatchObject({ duplicate: 0, pending: 2 }); // both still missing in billing
    await expectLiveEqualsRebuild();
  });

  it('given a duplicate that outlived its grace and was opened, when one of the two is forgotten, its resolution is announced (by the erasure) and then nothing is left of it', async () => {
    await recon.given([customer('crm', 'C-1', { email: 'ada@example.com' }), customer('crm', 'C-2', { email: 'ada@example.com' }), customer('billing', 'C-1', {}), customer('billing', 'C-2', {})]);
    recon.bed.clock.advance(GRACE_MS);
    const [opening] = await recon.sweep();
    expect(opening).toMatchObject({ type: 'reconciliation.item-opened', data: { itemId: duplicateId } });
    expect(await summary()).toMatchObject({ duplicate: 1 });

    const erasure = await recon.forget(C1);

    expect(await summary()).toMatchObject({ duplicate: 0, pending: 0, matched: 2 });
    expect(await recon.doc(RECON_ITEMS, duplicateId)).toBeUndefined();
    const owed = await recon.doc<ReconItem>(RECON_ITEMS, withdrawnKey(duplicateId, (opening!.data as { episode: number }).episode));
    expect(owed).toMatchObject({ status: 'resolved', announcing: true, resolvedBy: erasure!.id, withdrawnBy: erasure!.id, values: {} });
    expect(owed!.naturalKey).toBeUndefined();

    const [resolution, ...more] = await recon.sweep();
    expect(more).toEqual([]);
    expect(resolution).toMatchObject({ type: 'reconciliation.item-resolved', causationId: erasure!.id, data: { itemId: duplicateId, kind: 'duplicate', resolvedBy: erasure!.id } });
    expect((await recon.items()).filter((i) => i.kind === 'duplicate')).toEqual([]);
    expect(await recon.sweep()).toEqual([]);
    await expectLiveEqualsRebuild();
  });

  it('given three customers sharing an e-mail, an opened duplicate, when the first is forgotten, the other two stay a duplicate as a rebuild sees them, and the old episode is resolved', async () => {
    const [, , third] = await recon.given([
      customer('crm', 'C-1', { email: 'ada@example.com' }),
      customer('crm', 'C-2', { email: 'ada@example.com' }),
      customer('crm', 'C-3', { email: 'ada@example.com' }),
    ]);
    recon.bed.clock.advance(GRACE_MS);
    const opening = (await recon.sweep()).find((record) => (record.data as { itemId: string }).itemId === duplicateId);

    await recon.forget(C1);

    expect(await recon.doc(RECON_ITEMS, duplicateId)).toMatchObject({ status: 'pending', episode: third!.position, since: third!.recordedAt, values: { crm: ['C-2', 'C-3'] } });
    const [reopened, resolution, ...more] = await recon.sweep();
    expect(more).toEqual([]);
    expect(resolution).toMatchObject({ type: 'reconciliation.item-resolved', data: { itemId: duplicateId, episode: (opening!.data as { episode: number }).episode } });
    // The remaining pair's duplicate began long ago (when C-3 joined): past its grace, so the same sweep opens it.
    expect(reopened).toMatchObject({ type: 'reconciliation.item-opened', data: { itemId: duplicateId, episode: third!.position } });
    expect(await summary()).toMatchObject({ duplicate: 1 });
    await expectLiveEqualsRebuild();
  });

  it('given crm and billing disagreeing on a customer e-mail and on its country, when forgotten, the e-mail mismatch is withdrawn and the country one stays', async () => {
    await recon.given([customer('crm', 'C-1', { email: 'ada@example.com', country: 'GB' }), customer('billing', 'C-1', { email: 'ada.l@example.com', country: 'FR' })]);
    recon.bed.clock.advance(GRACE_MS);
    expect(await recon.sweep()).toHaveLength(2);

    const erasure = await recon.forget(C1);

    expect(await recon.doc(RECON_ITEMS, 'customer/C-1:mismatch:email')).toBeUndefined();
    expect(await recon.doc(RECON_ITEMS, 'customer/C-1:mismatch:country')).toMatchObject({ status: 'open', values: { crm: 'GB', billing: 'FR' } });
    expect((await entity('C-1')).items.map((slot) => slot.id).sort()).toEqual(['customer/C-1:mismatch:country', 'customer/C-1:missing']);
    expect(await summary()).toMatchObject({ mismatch: 1, matched: 0 });
    const [resolution] = await recon.sweep();
    expect(resolution).toMatchObject({ type: 'reconciliation.item-resolved', data: { itemId: 'customer/C-1:mismatch:email', resolvedBy: erasure!.id } });
    expect(JSON.stringify(await recon.snapshot())).not.toContain('ada');
    await expectLiveEqualsRebuild();
  });

  it('given several forgotten customers, a rebuild does not take "[erased]" for a shared e-mail (no false duplicate)', async () => {
    await recon.given([customer('crm', 'C-1', { email: 'ada@example.com' }), customer('crm', 'C-2', { email: 'bob@example.com' })]);
    await recon.forget(C1);
    await recon.forget({ type: 'customer', id: 'C-2' });
    const rebuilt = await recon.rebuild();
    expect(Object.values(rebuilt).filter((doc) => (doc as { kind?: string }).kind === 'duplicate')).toEqual([]);
    expect(Object.keys(rebuilt).filter((key) => key.startsWith(`${RECON_KEYS}/`))).toEqual([]);
    expect(await recon.snapshot()).toEqual(rebuilt);
  });

  it('given new personal data after an erasure, reconciles it again; forgetting again withdraws it again; live equals rebuild throughout', async () => {
    await recon.given([customer('crm', 'C-1', { email: 'ada@example.com' }), customer('billing', 'C-1', { email: 'ada@example.com' }), customer('crm', 'C-2', { email: 'ada@example.com' })]);
    await recon.forget(C1);
    await expectLiveEqualsRebuild();

    await recon.given([customer('crm', 'C-1', { email: 'ada@example.com' }), customer('billing', 'C-1', { email: 'other@example.com' })]);
    expect(await recon.doc(RECON_ITEMS, 'customer/C-1:mismatch:email')).toMatchObject({ status: 'pending', values: { crm: 'ada@example.com', billing: 'other@example.com' } });
    expect(await recon.doc(RECON_ITEMS, duplicateId)).toMatchObject({ status: 'pending', values: { crm: ['C-1', 'C-2'] } });
    await expectLiveEqualsRebuild();

    await recon.forget(C1);
    expect(await recon.doc(RECON_ITEMS, 'customer/C-1:mismatch:email')).toBeUndefined();
    expect(await recon.doc(RECON_ITEMS, duplicateId)).toBeUndefined();
    await expectLiveEqualsRebuild();
  });

  it('given an erasure of a subject reconciliation does not compare (or does not hold), changes nothing', async () => {
    await recon.given([customer('crm', 'C-1', { email: 'ada@example.com' })]);
    const before = await recon.snapshot();
    await recon.given([{ id: 'crm-x', source: 'crm', type: 'customer.upserted', schemaVersion: 1, subject: { type: 'customer', id: 'C-9' }, occurredAt: '2026-11-21T09:00:00Z', data: { name: 'Zed' } }]);
    const withC9 = await recon.snapshot();
    expect(withC9).not.toEqual(before);
    await recon.forget({ type: 'customer', id: 'C-404' }); // unknown to the vault: nothing recorded
    expect(await recon.snapshot()).toEqual(withC9);
  });
});
