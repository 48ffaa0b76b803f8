import type { StoredEvent } from '@concord/event-store';

/** A read-model document: plain JSON. */
export type Doc = Record<string, unknown>;

/**
 * What a projection sees while it applies events: documents by collection and
 * key. Reads see the projection's own earlier writes in the same batch.
 */
export interface ReadModelView {
  /** The stored document, shared with the runner: read-only, `put` a new object to change it. */
  get<T extends Doc = Doc>(collection: string, key: string): Promise<T | undefined>;
  put(collection: string, key: string, doc: Doc): void;
  delete(collection: string, key: string): void;
}

/**
 * A projection: a name, the event types it cares about, and how each event
 * changes its documents. `apply` must be deterministic in its inputs (the
 * event, the documents it reads, the clock it is given): then a rebuild from
 * position 0 always yields what the live run produced.
 */
export interface ProjectionDefinition {
  readonly name: string;
  /** Bump when `apply` changes meaning; a stored read model of another version is rebuilt. */
  readonly version: number;
  /** Collections this projection owns; a rebuild empties exactly these. */
  readonly collections: readonly string[];
  /** Event types it handles; others only advance the checkpoint. Omit for all. */
  readonly handles?: readonly string[];
  /** Optional: the documents an event will read, so a batch can load them in one query. */
  keysOf?(event: StoredEvent): ReadonlyArray<{ readonly collection: string; readonly key: string }>;
  apply(event: StoredEvent, view: ReadModelView): void | Promise<void>;
}

export function handlesEvent(projection: ProjectionDefinition, type: string): boolean {
  return projection.handles === undefined || projection.handles.includes(type);
}
