import { ANY_SUBJECT } from './contract';
import { ENVELOPE_FIELDS, EventEnvelopeDto, HUB_SOURCE, type EventEnvelope } from './envelope';
import { validateAgainst, type FieldError } from './field-errors';
import { findJsonShapeProblem } from './json-safety';
import type { ContractRegistry } from './registry';

export type RejectionReason =
  | 'not-an-object'
  | 'unsafe-json'
  | 'invalid-envelope'
  | 'unknown-type'
  | 'unknown-schema-version'
  | 'subject-type-mismatch'
  | 'contract-violation'
  | 'id-reused-with-different-content';

/** Why an input was refused: a stable code for machines, a sentence and field errors for people. */
export interface Rejection {
  readonly reason: RejectionReason;
  readonly message: string;
  readonly errors: readonly FieldError[];
}

export type EnvelopeVerdict =
  | { readonly ok: true; readonly envelope: EventEnvelope }
  | { readonly ok: false; readonly rejection: Rejection };

function reject(reason: RejectionReason, message: string, errors: readonly FieldError[] = []): EnvelopeVerdict {
  return { ok: false, rejection: { reason, message, errors } };
}

function summarize(errors: readonly FieldError[]): string {
  const shown = errors.slice(0, 5).map((e) => e.message);
  return errors.length > 5 ? `${shown.join('; ')}; and ${errors.length - 5} more` : shown.join('; ');
}

/**
 * Decides whether one input is an acceptable event: a well-formed envelope whose
 * `data` satisfies the registered contract for its type and version. Pure: no
 * I/O, no clock. Returns the normalized envelope (defaults applied, only known
 * fields, nothing undefined) that the store will hash.
 */
export function checkEnvelope(registry: ContractRegistry, input: unknown): EnvelopeVerdict {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return reject('not-an-object', 'an event must be a JSON object');
  }
  const shapeProblem = findJsonShapeProblem(input);
  if (shapeProblem) {
    return reject('unsafe-json', shapeProblem.message, [{ field: shapeProblem.path, message: shapeProblem.message }]);
  }
  const envelopeErrors = validateAgainst(EventEnvelopeDto, input, '');
  if (envelopeErrors.length > 0) return reject('invalid-envelope', summarize(envelopeErrors), envelopeErrors);

  const raw = input as EventEnvelopeDto;
  const schemaVersion = raw.schemaVersion ?? 1;
  const latest = registry.latest(raw.type);
  if (!latest) {
    return reject('unknown-type', `type ${raw.type} is not a registered contract`, [
      { field: 'type', message: `type ${raw.type} is not a registered contract` },
    ]);
  }
  const contract = registry.get(raw.type, schemaVersion);
  if (!contract) {
    const message = `${raw.type} has no schemaVersion ${schemaVersion} (latest is ${latest.version})`;
    return reject('unknown-schema-version', message, [{ field: 'schemaVersion', message }]);
  }
  if (contract.subjectType === ANY_SUBJECT) {
    if (raw.source !== HUB_SOURCE) {
      const message = `${raw.type} is about any subject type and is recorded by the hub only (source ${HUB_SOURCE})`;
      return reject('subject-type-mismatch', message, [{ field: 'source', message }]);
    }
  } else if (raw.subject.type !== contract.subjectType) {
    const message = `subject.type must be ${contract.subjectType} for ${raw.type}, not ${raw.subject.type}`;
    return reject('subject-type-mismatch', message, [{ field: 'subject.type', message }]);
  }
  const dataErrors = registry.validateData(contract, raw.data);
  if (dataErrors.length > 0) return reject('contract-violation', summarize(dataErrors), dataErrors);

  return { ok: true, envelope: normalize(raw, schemaVersion) };
}

function normalize(raw: EventEnvelopeDto, schemaVersion: number): EventEnvelope {
  const source = raw as unknown as Record<string, unknown>;
  const envelope: Record<string, unknown> = {};
  for (const field of ENVELOPE_FIELDS) {
    const value = field === 'schemaVersion' ? schemaVersion : source[field];
    if (value !== undefined) envelope[field] = value;
  }
  envelope.subject = { type: raw.subject.type, id: raw.subject.id };
  if (raw.actor) envelope.actor = { type: raw.actor.type, id: raw.actor.id };
  return envelope as unknown as EventEnvelope;
}
