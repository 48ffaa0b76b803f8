import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { canonicalJson } from '@concord/common';
import { contractField, declaredFields, FLOW_RULE_NAME, HUB_SOURCE, SOURCE_NAME, type ContractDefinition, type ContractRegistry } from '@concord/contracts';
import { pathsOverlap, personalPathsForSubjectType } from '@concord/personal-data';

/** How the deadline of an expectation is found: a fixed time after the starting event occurred, or a date in its data. */
export type FlowDeadline = { readonly kind: 'within'; readonly ms: number; readonly text: string } | { readonly kind: 'field'; readonly field: string };

/**
 * "After event X (from source A), an event Y must follow before a deadline." Y is
 * about the same entity, or names it in a field of its data (`link`); it may have
 * to carry the same values as X (`sameFields`).
 */
export interface FlowRule {
  readonly name: string;
  readonly description?: string;
  /** What the flow is about: the subject type of the starting event's contract. */
  readonly entityType: string;
  readonly when: { readonly type: string; readonly source?: string };
  readonly expect: {
    readonly type?: string;
    readonly source?: string;
    /** A path into Y's data whose value is the id of X's subject (a payment's `invoiceId`); absent: Y is about X's subject itself. */
    readonly link?: string;
    /** Paths that must hold equal values in X's and Y's data (numbers within `tolerance`). */
    readonly sameFields: readonly string[];
    readonly tolerance: number;
  };
  readonly deadline: FlowDeadline;
}

export interface FlowRules {
  readonly rules: readonly FlowRule[];
  /** Fingerprint of the rules as loaded (`f-` + 6 hex): which rules produced a stuck-flow answer. */
  readonly version: string;
  /** Where they came from; undefined when stuck-flow detection is off. */
  readonly file?: string;
}

export const NO_FLOW_RULES: FlowRules = { rules: [], version: fingerprint([]) };

export class FlowRulesError extends Error {
  override readonly name = 'FlowRulesError';
}

const DATA_PATH = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;
const DURATION = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WITHIN_MS = 366 * UNIT_MS.d;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The flow rules a hub runs: none unless CONCORD_FLOW_RULES names a file (read and checked now; a bad file stops the start). */
export function flowRulesFor(config: { readonly CONCORD_FLOW_RULES: string }, registry: ContractRegistry): FlowRules {
  return config.CONCORD_FLOW_RULES ? loadFlowRules(resolve(config.CONCORD_FLOW_RULES), registry) : NO_FLOW_RULES;
}

/** Reads and checks a rules file (YAML or JSON); every problem is reported at once, with where it is. */
export function loadFlowRules(file: string, registry: ContractRegistry): FlowRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FlowRulesError(`cannot read the flow rules ${file} (CONCORD_FLOW_RULES): ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new FlowRulesError(`the flow rules ${file} are not valid YAML: ${(error as Error).message}`);
  }
  return { ...parseFlowRules(document, registry, file), file };
}

/**
 * Checks a parsed rules document against the contract catalog:
 *
 *   rules:
 *     - name: order-reaches-crm
 *       description: …                        (optional)
 *       when: { type: order.created, source: erp }          (source optional)
 *       expect: { source: crm }               (type and/or source; link, sameFields, tolerance optional)
 *       within: 15m                           (s, m, h or d)  — or —  deadline: dueDate (a date field of `when`'s data)
 */
export function parseFlowRules(document: unknown, registry: ContractRegistry, where = 'flow rules'): FlowRules {
  const problems: string[] = [];
  if (!isObject(document) || !Array.isArray(document.rules)) throw new FlowRulesError(`${where}: expected a top-level "rules" list`);
  unknownKeys(document, ['rules'], '', problems);
  const rules: FlowRule[] = [];
  const names = new Set<string>();
  document.rules.forEach((raw, index) => {
    const at = `rules[${index}]${isObject(raw) && typeof raw.name === 'string' ? ` (${raw.name})` : ''}`;
    const rule = checkRule(raw, at, registry, problems);
    if (!rule) return;
    if (names.has(rule.name)) problems.push(`${at}.name: ${rule.name} is used by an earlier rule; names must be unique`);
    names.add(rule.name);
    rules.push(rule);
  });
  if (problems.length > 0) throw new FlowRulesError(`invalid ${where}:\n  - ${problems.join('\n  - ')}`);
  return { rules, version: fingerprint(rules) };
}

function checkRule(raw: unknown, at: string, registry: ContractRegistry, problems: string[]): FlowRule | undefined {
  if (!isObject(raw)) {
    problems.push(`${at} must be an object with name, when, expect and within or deadline`);
    return undefined;
  }
  const before = problems.length;
  unknownKeys(raw, ['name', 'description', 'when', 'expect', 'within', 'deadline'], at, problems);
  const name = raw.name;
  if (typeof name !== 'string' || !FLOW_RULE_NAME.test(name)) problems.push(`${at}.name must match [a-z0-9][a-z0-9-]{0,62} (it names the rule in the API, metrics and event ids)`);
  const description = raw.description;
  if (description !== undefined && (typeof description !== 'string' || description.length === 0 || description.length > 500)) {
    problems.push(`${at}.description must be text of 1..500 characters`);
  }

  const when = raw.when;
  let trigger: ContractDefinition | undefined;
  if (!isObject(when)) problems.push(`${at}.when must be { type, source? }: the event that starts the flow`);
  else {
    unknownKeys(when, ['type', 'source'], `${at}.when`, problems);
    trigger = knownType(when.type, `${at}.when.type`, registry, problems);
    checkSource(when.source, `${at}.when.source`, problems);
  }

  const expect = raw.expect;
  let expected: ContractDefinition | undefined;
  let sameFields: string[] = [];
  if (!isObject(expect)) problems.push(`${at}.expect must be { type?, source?, link?, sameFields?, tolerance? }: the event that must follow`);
  else {
    unknownKeys(expect, ['type', 'source', 'link', 'sameFields', 'tolerance'], `${at}.expect`, problems);
    if (expect.type === undefined && expect.source === undefined) problems.push(`${at}.expect needs a type, a source or both`);
    if (expect.type !== undefined) expected = knownType(expect.type, `${at}.expect.type`, registry, problems);
    checkSource(expect.source, `${at}.expect.source`, problems);
    if (expect.link !== undefined) {
      if (expect.type === undefined) problems.push(`${at}.expect.link needs expect.type: the contract that declares the field`);
      else if (expected) checkField(expected, expect.link, `${at}.expect.link`, problems, 'the id of the entity the flow is about');
    } else if (trigger && expected && expected.subjectType !== trigger.subjectType) {
      problems.push(
        `${at}.expect: ${expected.type} is about subject type ${expected.subjectType}, ${trigger.type} about ${trigger.subjectType}; add link: <field of ${expected.type} that holds the ${trigger.subjectType} id>`,
      );
    }
    if (expect.sameFields !== undefined) {
      if (!Array.isArray(expect.sameFields) || expect.sameFields.length === 0 || !expect.sameFields.every((f) => typeof f === 'string')) {
        problems.push(`${at}.expect.sameFields must be a non-empty list of data field paths, e.g. [amount, currency]`);
      } else {
        sameFields = expect.sameFields as string[];
        if (new Set(sameFields).size !== sameFields.length) problems.push(`${at}.expect.sameFields lists a field twice`);
        for (const field of sameFields) {
          if (trigger) checkField(trigger, field, `${at}.expect.sameFields`, problems, 'compared');
          if (expected) checkField(expected, field, `${at}.expect.sameFields`, problems, 'compared');
          for (const contract of [trigger, expected]) if (contract) notPersonal(contract, field, `${at}.expect.sameFields`, registry, problems);
          else if (DATA_PATH.test(field) && expect.type === undefined) problems.push(`${at}.expect.sameFields needs expect.type: the contract that declares ${field}`);
        }
      }
    }
    if (expect.tolerance !== undefined) {
      if (typeof expect.tolerance !== 'number' || !Number.isFinite(expect.tolerance) || expect.tolerance < 0) problems.push(`${at}.expect.tolerance must be a number ≥ 0`);
      else if (expect.sameFields === undefined) problems.push(`${at}.expect.tolerance only applies with sameFields`);
    }
  }

  let deadline: FlowDeadline | undefined;
  if ((raw.within === undefined) === (raw.deadline === undefined)) problems.push(`${at} needs exactly one of within (e.g. 15m) or deadline (a date field of ${trigger?.type ?? 'the starting event'})`);
  else if (raw.within !== undefined) {
    const match = typeof raw.within === 'string' ? DURATION.exec(raw.within) : null;
    const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
    if (!match || ms <= 0 || ms > MAX_WITHIN_MS) problems.push(`${at}.within must be a duration like 90s, 15m, 4h or 2d (more than 0, at most 366d)`);
    else deadline = { kind: 'within', ms, text: raw.within as string };
  } else if (trigger) {
    const field = raw.deadline;
    if (typeof field !== 'string') problems.push(`${at}.deadline must name a date field of ${trigger.type}'s data, e.g. dueDate`);
    else if (checkField(trigger, field, `${at}.deadline`, problems, 'the deadline')) {
      const declared = contractField(trigger.schema, field)!;
      if (declared.optional) problems.push(`${at}.deadline: ${trigger.type} declares ${field} optional; a deadline field must be required`);
      if (!declared.checks.includes('isIso8601')) problems.push(`${at}.deadline: ${trigger.type} does not declare ${field} as an ISO-8601 date`);
      deadline = { kind: 'field', field };
    }
  }

  if (problems.length > before || !trigger || !deadline || !isObject(when) || !isObject(expect)) return undefined;
  return {
    name: name as string,
    ...(description !== undefined ? { description: description as string } : {}),
    entityType: trigger.subjectType,
    when: { type: trigger.type, ...(when.source !== undefined ? { source: when.source as string } : {}) },
    expect: {
      ...(expected ? { type: expected.type } : {}),
      ...(expect.source !== undefined ? { source: expect.source as string } : {}),
      ...(expect.link !== undefined ? { link: expect.link as string } : {}),
      sameFields,
      tolerance: (expect.tolerance as number | undefined) ?? 0,
    },
    deadline,
  };
}

function unknownKeys(object: Json, known: readonly string[], at: string, problems: string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) problems.push(`${at ? `${at}.` : ''}${key} is not a known key (known: ${known.join(', ')})`);
  }
}

/**
 * Compared values are kept in the flows read model; a forget (crypto-shredding) could not take them
 * back out, and a rebuild would compare "[erased]" with "[erased]". So personal fields are refused.
 */
function notPersonal(contract: ContractDefinition, field: string, at: string, registry: ContractRegistry, problems: string[]): void {
  const personal = personalPathsForSubjectType(registry, contract.subjectType).find((path) => pathsOverlap(path.split('.'), field.split('.')));
  if (personal !== undefined) problems.push(`${at}: ${field} is personal data of ${contract.subjectType} (${contract.type}: ${personal}); flows compare no personal fields`);
}

function knownType(type: unknown, at: string, registry: ContractRegistry, problems: string[]): ContractDefinition | undefined {
  if (typeof type !== 'string') {
    problems.push(`${at} must be an event type`);
    return undefined;
  }
  const contract = registry.latest(type);
  const ownTypes = registry.all().filter((c) => c.type.startsWith('flow.') || c.type.startsWith('quarantine.'));
  if (!contract) problems.push(`${at}: ${type} is not a registered event type (known: ${registry.types().join(', ')})`);
  else if (ownTypes.includes(contract)) problems.push(`${at}: ${type} is one of the hub's own records, not a business event`);
  else return contract;
  return undefined;
}

function checkSource(source: unknown, at: string, problems: string[]): void {
  if (source === undefined) return;
  if (typeof source !== 'string' || !SOURCE_NAME.test(source)) problems.push(`${at} must be a source name ([a-z0-9-]{1,64})`);
  else if (source === HUB_SOURCE) problems.push(`${at}: ${HUB_SOURCE} is the hub itself, not a system a flow can wait for`);
}

function checkField(contract: ContractDefinition, path: unknown, at: string, problems: string[], role: string): boolean {
  if (typeof path !== 'string' || !DATA_PATH.test(path)) {
    problems.push(`${at}: ${JSON.stringify(path)} is not a data field path (letters, digits, _ and -, dot-separated)`);
    return false;
  }
  if (contractField(contract.schema, path)) return true;
  problems.push(`${at}: ${contract.type} has no field ${path} (${role}); its fields: ${declaredFields(contract.schema).join(', ')}`);
  return false;
}

function fingerprint(rules: readonly FlowRule[]): string {
  return `f-${createHash('sha256').update(canonicalJson(rules)).digest('hex').slice(0, 6)}`;
}
