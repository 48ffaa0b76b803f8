import type { Constructor } from './field-errors';

/**
 * One version of one event type's `data`. Versions of a type form a chain:
 * version N (N > 1) says how to turn version N-1 data into its own shape, so any
 * stored event can be read as the latest version without rewriting history.
 */
export interface ContractDefinition<TData extends object = object> {
  readonly type: string;
  readonly version: number;
  readonly schema: Constructor<TData>;
  readonly description: string;
  /** Entity type this event is about; events with another subject.type are refused. */
  readonly subjectType: string;
  /**
   * `full-state`: `data` is the whole record as the source holds it now (a field
   * left out was removed); `changes` (default): only the fields that changed.
   */
  readonly reports?: 'full-state' | 'changes';
  /** Dotted paths into `data` that hold personal data (crypto-shredding). */
  readonly personalFields?: readonly string[];
  /** Required for version > 1: turns the previous version's data into this version's. */
  readonly upcastFrom?: (previous: Record<string, unknown>) => TData;
}

/**
 * `subjectType` of a contract the hub records about entities of any type
 * (`subject.forgotten`). Only source `concord` may use such a contract.
 */
export const ANY_SUBJECT = '*';

export function defineContract<TData extends object>(definition: ContractDefinition<TData>): ContractDefinition<TData> {
  return Object.freeze({ ...definition });
}
