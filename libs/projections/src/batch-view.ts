import type { Doc, ReadModelView } from './projection';
import type { DocumentChange, ReadModelStore } from './read-model-store.port';

/**
 * A projection's unit of work for one batch: reads go to the store once per
 * document and are cached; writes stay in memory until the runner commits them
 * together with the checkpoint.
 *
 * Documents handed out are shared, not copied (copying dominated rebuild time):
 * projections must treat them as read-only and `put` a new object. The
 * ProjectionTestbed deep-freezes them, so a projection that mutates fails its specs.
 * A failing event never leaks half-applied changes: the runner throws the whole
 * view away and replays the batch prefix into a fresh one.
 */
export class BatchView implements ReadModelView {
  private readonly cache = new Map<string, Doc | undefined>();
  private readonly dirty = new Map<string, DocumentChange>();

  constructor(private readonly store: ReadModelStore) {}

  async get<T extends Doc = Doc>(collection: string, key: string): Promise<T | undefined> {
    const id = cacheKey(collection, key);
    if (this.cache.has(id)) return this.cache.get(id) as T | undefined;
    const doc = await this.store.get(collection, key);
    this.cache.set(id, doc);
    return doc as T | undefined;
  }

  /** Warms the cache for many documents with one query (an optional speed-up before applying a batch). */
  async prefetch(collection: string, keys: readonly string[]): Promise<void> {
    const missing = keys.filter((key) => !this.cache.has(cacheKey(collection, key)));
    if (missing.length === 0) return;
    const found = await this.store.getMany(collection, missing);
    for (const key of missing) this.cache.set(cacheKey(collection, key), found.get(key));
  }

  put(collection: string, key: string, doc: Doc): void {
    const id = cacheKey(collection, key);
    this.cache.set(id, doc);
    this.dirty.set(id, { collection, key, doc });
  }

  delete(collection: string, key: string): void {
    const id = cacheKey(collection, key);
    this.cache.set(id, undefined);
    this.dirty.set(id, { collection, key, doc: undefined });
  }

  changes(): DocumentChange[] {
    return [...this.dirty.values()];
  }
}

function cacheKey(collection: string, key: string): string {
  return `${collection}\u0000${key}`;
}
