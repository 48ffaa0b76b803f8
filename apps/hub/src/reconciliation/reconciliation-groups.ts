import {
  duplicateItemId,
  duplicateOf,
  evolveItem,
  isActive,
  markAnnounced,
  openItem,
  type FoldContext,
  type ItemSlot,
  type NaturalKeyIndex,
  type ReconItem,
} from './reconciliation-model';

/** Where a step happened in the log: what the item's history records for it. */
interface StepAt {
  readonly eventId: string;
  readonly position: number;
  readonly at: string;
}

/** An entity of the source took this natural key (join) or gave it up (leave). */
export interface MembershipStep extends StepAt {
  readonly kind: 'join' | 'leave';
  readonly id: string;
  /** join: the event that gave the entity this key (the duplicate's evidence). */
  readonly keyEventId?: string;
}

/** The sweeper's record about the group's duplicate item (opened after its grace, or its resolution announced). */
export interface RecordStep extends StepAt {
  readonly kind: 'opened' | 'announced';
  readonly episode: number;
}

export type GroupStep = MembershipStep | RecordStep;

function isRecord(step: GroupStep): step is RecordStep {
  return step.kind === 'opened' || step.kind === 'announced';
}

/** One natural-key group of one source: its index document (undefined: none) and its duplicate item (undefined: none). */
export interface GroupState {
  readonly index: NaturalKeyIndex | undefined;
  readonly item: ReconItem | undefined;
}

export interface GroupRef {
  readonly entityType: string;
  readonly source: string;
  /** The normalised key (often an e-mail address). */
  readonly value: string;
}

/**
 * One step of a natural-key group, pure. The group keeps its steps, so that
 * when a member's key is erased (crypto-shredding) the group can be folded
 * again without that member's steps: exactly what a rebuild, which can no
 * longer read the erased key, folds. Records count only while the group has an
 * item, as in a rebuild (a record naming an item the model does not hold is
 * ignored); a group left without members or item is dropped, steps and all.
 */
export function applyGroupStep(state: GroupState, step: GroupStep, group: GroupRef, rule: Pick<FoldContext, 'graceSeconds' | 'rulesVersion'>): GroupState {
  const ctx: FoldContext = { eventId: step.eventId, position: step.position, at: step.at, graceSeconds: rule.graceSeconds, rulesVersion: rule.rulesVersion };
  const index: NaturalKeyIndex = state.index ?? { entityType: group.entityType, source: group.source, value: group.value, ids: {}, steps: [] };
  if (isRecord(step)) {
    if (!state.item) return state;
    const item = step.kind === 'opened' ? openItem(state.item, step.episode, ctx) : markAnnounced(state.item, step.episode, ctx);
    const slot: ItemSlot = { status: item.status, episode: item.episode };
    return { index: { ...index, item: slot, steps: [...(index.steps ?? []), step] }, item };
  }
  const ids = { ...index.ids };
  if (step.kind === 'leave') delete ids[step.id];
  else ids[step.id] = step.keyEventId ?? step.eventId;
  const next: NaturalKeyIndex = { ...index, ids, steps: [...(index.steps ?? []), step] };
  const now = duplicateOf(next);
  let item = state.item;
  let slot = index.item;
  if (now || isActive(item?.status)) {
    const identity = { id: duplicateItemId(group.entityType, group.source, group.value), entityType: group.entityType, source: group.source, naturalKey: group.value };
    item = evolveItem(item, now, identity, ctx)!;
    slot = { status: item.status, episode: item.episode };
  }
  if (Object.keys(ids).length === 0 && !slot) return { index: undefined, item };
  return { index: { ...next, ...(slot ? { item: slot } : {}) }, item };
}

/** The group folded again from its own steps, leaving out one entity's: what a rebuild holds once that entity's key is erased. */
export function refoldGroupWithout(steps: readonly GroupStep[], entityId: string, group: GroupRef, rule: Pick<FoldContext, 'graceSeconds' | 'rulesVersion'>): GroupState {
  let state: GroupState = { index: undefined, item: undefined };
  for (const step of steps) {
    if (!isRecord(step) && step.id === entityId) continue;
    state = applyGroupStep(state, step, group, rule);
  }
  return state;
}
