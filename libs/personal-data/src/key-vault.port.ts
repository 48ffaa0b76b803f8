import type { SubjectRef } from '@concord/contracts';
import type { DataKey } from './personal-fields';

/** A subject's key for sealing new events, and whether earlier keys of it were destroyed. */
export interface WritingKey {
  readonly subject: SubjectRef;
  readonly key: DataKey;
  /** True when the subject was forgotten before: events stored under its old keys can no longer be compared by content. */
  readonly forgottenBefore: boolean;
}

export interface Erasure {
  /** 1 for the subject's first erasure, 2 if it was forgotten again after new personal data arrived, … */
  readonly erasure: number;
  readonly at: string;
  /** Who asked (an API key id), as recorded with the erasure. */
  readonly by: string;
  /** How many key generations this erasure destroyed. */
  readonly generations: number;
}

export type ForgetOutcome =
  | ({ readonly status: 'forgotten' } & Erasure)
  /** Nothing to destroy: the last erasure, and no personal data arrived since. */
  | ({ readonly status: 'already-forgotten' } & Erasure)
  /** The vault never held a key for this subject: no personal data of it was ever stored. */
  | { readonly status: 'unknown' };

/**
 * Per-subject data keys, kept outside the event log so that destroying one
 * erases the subject's personal fields from every copy of the log (crypto-shredding).
 */
export interface KeyVault {
  /**
   * The current key of each subject (same order), created and durably stored
   * first when a subject has none: an event must never be stored under a key
   * that could still be lost. One write for all new subjects of a batch.
   */
  keysForWriting(subjects: readonly SubjectRef[]): Promise<WritingKey[]>;
  /**
   * A key by generation, or undefined when it was destroyed or never existed.
   * Synchronous on purpose: every read of a stored event passes here, and the
   * read side (projections, folds) is synchronous. Adapters serve it from memory
   * and must notice destructions made by other processes.
   */
  readKey(subject: SubjectRef, generation: number): DataKey | undefined;
  /**
   * A number that changes whenever a key may have been destroyed (here or by
   * another process): whoever keeps opened values in memory keeps them only while
   * it stays the same.
   */
  revision(): number;
  /** Destroys every live key of the subject (idempotent). */
  forget(subject: SubjectRef, at: string, by: string): Promise<ForgetOutcome>;
  /** The subject's latest erasure, if it was ever forgotten. */
  lastErasure(subject: SubjectRef): Promise<Erasure | undefined>;
  close(): Promise<void>;
}

export const KEY_VAULT = Symbol('KeyVault');
