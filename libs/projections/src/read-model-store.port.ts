import type { Position } from '@concord/event-store';
import type { Doc } from './projection';
import type { LeaseFence, ProjectionLeaseStore } from './projection-lease.port';

/** `standby` only describes a process: another instance holds the lease and runs the projection. */
export type ProjectionState = 'running' | 'rebuilding' | 'failed' | 'stopped' | 'standby';

export interface ProjectionFailure {
  readonly eventId: string;
  readonly position: Position;
  readonly message: string;
  readonly at: string;
}

export interface ProjectionCheckpoint {
  readonly name: string;
  readonly version: number;
  /** Last position applied (0: nothing yet). */
  readonly position: Position;
  readonly state: ProjectionState;
  readonly lastError?: ProjectionFailure;
  readonly updatedAt: string;
}

export interface DocumentChange {
  readonly collection: string;
  readonly key: string;
  /** `undefined`: delete the document. */
  readonly doc: Doc | undefined;
}

/** One atomic step of a projection: its document changes and its new checkpoint, together or not at all. */
export interface ProjectionCommit {
  readonly name: string;
  readonly version: number;
  /** The checkpoint position this commit was computed from; another writer having moved it is a conflict. */
  readonly expectedPosition: Position;
  readonly position: Position;
  readonly changes: readonly DocumentChange[];
  readonly state: ProjectionState;
  readonly at: string;
  /** A leased projector's fence: the commit lands only while it still holds the lease (LeaseLostError otherwise). */
  readonly fence?: LeaseFence;
}

export type QueryCondition =
  | { readonly path: string; readonly op: 'eq'; readonly value: string | number | boolean }
  | { readonly path: string; readonly op: 'gte' | 'lte'; readonly value: string | number }
  | { readonly path: string; readonly op: 'exists' };

export interface DocumentQuery {
  /** Only documents whose key starts with this (e.g. `order/` for one entity type). */
  readonly keyPrefix?: string;
  readonly where?: readonly QueryCondition[];
  /** A dotted path into the document, or the empty string for the key. */
  readonly orderBy?: { readonly path: string; readonly direction: 'asc' | 'desc' };
  readonly limit: number;
  /** Keyset: continue after this (sort value, key) pair. */
  readonly after?: { readonly value: string | number | null; readonly key: string };
}

export interface DocumentPage {
  readonly items: ReadonlyArray<{ readonly key: string; readonly doc: Doc; readonly sortValue: string | number | null }>;
  readonly hasMore: boolean;
}

/** Another writer moved the checkpoint since it was read: this commit must not land. */
export class CheckpointConflictError extends Error {
  override readonly name = 'CheckpointConflictError';
}

/** For adapters, inside the commit's transaction, after the fence check. */
export function checkExpectedPosition(commit: ProjectionCommit, stored: Position): void {
  if (stored !== commit.expectedPosition) {
    throw new CheckpointConflictError(`projection ${commit.name} is at position ${stored}, this commit expected ${commit.expectedPosition}`);
  }
}

/**
 * Where read models live: documents per collection, one checkpoint per
 * projection, and the projection leases (here, not in a port of their own,
 * because a write's fence must be checked in the write's own transaction).
 * SQLite embedded; PostgreSQL at scale. Every adapter must pass the shared
 * read-model contract suite; `document-query.ts` states what a query means.
 */
export interface ReadModelStore extends ProjectionLeaseStore {
  get(collection: string, key: string): Promise<Doc | undefined>;
  getMany(collection: string, keys: readonly string[]): Promise<Map<string, Doc>>;
  query(collection: string, query: DocumentQuery): Promise<DocumentPage>;
  commit(commit: ProjectionCommit): Promise<void>;
  checkpoint(name: string): Promise<ProjectionCheckpoint | undefined>;
  checkpoints(): Promise<ProjectionCheckpoint[]>;
  /** Records a state change (failed with its error, stopped, rebuilding) without moving the position. */
  markState(name: string, version: number, state: ProjectionState, at: string, lastError?: ProjectionFailure, fence?: LeaseFence): Promise<void>;
  /** Empties the collections and resets the checkpoint to 0 in one transaction. */
  reset(name: string, version: number, collections: readonly string[], at: string, fence?: LeaseFence): Promise<void>;
  close(): Promise<void>;
}

export const READ_MODEL_STORE = Symbol('ReadModelStore');
