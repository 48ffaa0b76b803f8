import { BatchView } from '../batch-view';
import type { Doc } from '../projection';

/** A BatchView whose documents are deep-frozen: a projection that mutates what it read throws in its specs. */
export class FrozenBatchView extends BatchView {
  override async get<T extends Doc = Doc>(collection: string, key: string): Promise<T | undefined> {
    const doc = await super.get<T>(collection, key);
    return doc === undefined ? doc : deepFreeze(doc);
  }
}

/** Freezes a value and everything in it (events and documents that several runners share). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
