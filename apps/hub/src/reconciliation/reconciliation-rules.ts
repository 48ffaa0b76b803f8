import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { canonicalJson } from '@concord/common';
import { SOURCE_NAME, SUBJECT_TYPE } from '@concord/contracts';

/** A dotted path into an event's data: `status`, `total.amount`. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_-]{0,63}(\.[A-Za-z_][A-Za-z0-9_-]{0,63}){0,7}$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** 30 days: anything longer is a flow deadline (stuck flows), not eventual consistency. */
const MAX_GRACE_SECONDS = 30 * 24 * 3600;

export type Scalar = string | number | boolean;

export interface FieldRule {
  readonly name: string;
  /** Where each source keeps the field, as path segments. */
  readonly paths: Readonly<Record<string, readonly string[]>>;
  /** The sources that report this field (default: all of the entity's sources). */
  readonly sources: readonly string[];
  /** Per source: its vocabulary → the canonical value. A source without a map is compared as it is. */
  readonly map?: Readonly<Record<string, Readonly<Record<string, Scalar>>>>;
  /** Numbers within this of each other agree. */
  readonly tolerance?: number;
}

/** Another entity's events feed a virtual source of this one (payments → the invoice they pay). */
export interface LinkRule {
  /** The virtual source's name, listed in the entity's sources. */
  readonly as: string;
  readonly eventType: string;
  /** Where the linking event names this entity's id. */
  readonly idPath: readonly string[];
  /** Fields of the virtual source: the sum over every linked entity (each counted once, its latest report). */
  readonly sum: readonly string[];
}

export interface EntityRule {
  readonly type: string;
  readonly sources: readonly string[];
  readonly graceSeconds: number;
  readonly fields: readonly FieldRule[];
  /** Two entities of this type sharing it within one source are a duplicate (compared trimmed, case-insensitive). */
  readonly naturalKey?: readonly string[];
  readonly links: readonly LinkRule[];
  /** Per source: the compared fields it reports (derived once here, so folding a report does not search the rule). */
  readonly fieldsBySource: ReadonlyMap<string, readonly FieldRule[]>;
}

export interface ReconciliationRules {
  /** The label and content hash of the rules, recorded on every item, event and report. */
  readonly version: string;
  readonly entities: ReadonlyMap<string, EntityRule>;
  /** Event type → the links it feeds. */
  readonly links: ReadonlyMap<string, ReadonlyArray<{ readonly entity: EntityRule; readonly link: LinkRule }>>;
}

export class ReconciliationRulesError extends Error {
  override readonly name = 'ReconciliationRulesError';
}

export const EMPTY_RULES: ReconciliationRules = { version: 'none', entities: new Map(), links: new Map() };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const isScalar = (value: unknown): value is Scalar => ['string', 'number', 'boolean'].includes(typeof value);

/**
 * Reads the rules file. An explicitly configured file must exist; the default
 * one may be absent (reconciliation then has nothing to compare).
 */
export function loadReconciliationRules(file: string, explicit: boolean): ReconciliationRules {
  if (!explicit && !existsSync(file)) return EMPTY_RULES;
  let text: string;
  let document: unknown;
  try {
    text = readFileSync(file, 'utf8');
    document = parseYaml(text);
  } catch (error) {
    throw new ReconciliationRulesError(`cannot read the reconciliation rules ${file}: ${(error as Error).message}`);
  }
  return parseReconciliationRules(document, file);
}

/** Validates a parsed rules document; every problem is reported at once, each with its path in the file. */
export function parseReconciliationRules(document: unknown, file = 'reconciliation rules'): ReconciliationRules {
  const problems: string[] = [];
  if (!isObject(document)) throw new ReconciliationRulesError(`${file}: expected an object with "entities"`);
  unknownKeys(document, ['version', 'entities'], '', problems);
  if (document.version !== undefined && !(typeof document.version === 'string' && /^[A-Za-z0-9._-]{1,40}$/.test(document.version))) {
    problems.push('version must be a label of 1..40 letters, digits, dots, dashes or underscores');
  }
  const entities = new Map<string, EntityRule>();
  if (!isObject(document.entities) || Object.keys(document.entities).length === 0) {
    problems.push('entities must map at least one entity type to its rule');
  } else {
    for (const [type, raw] of Object.entries(document.entities)) {
      const rule = entityRule(type, raw, `entities.${type}`, problems);
      if (rule) entities.set(type, rule);
    }
  }
  if (problems.length > 0) throw new ReconciliationRulesError(`${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);

  const hash = createHash('sha256').update(canonicalJson(JSON.parse(JSON.stringify(document)) as unknown)).digest('hex').slice(0, 12);
  const label = typeof document.version === 'string' ? document.version : 'rules';
  const links = new Map<string, Array<{ entity: EntityRule; link: LinkRule }>>();
  for (const entity of entities.values()) {
    for (const link of entity.links) links.set(link.eventType, [...(links.get(link.eventType) ?? []), { entity, link }]);
  }
  return { version: `${label}@${hash}`, entities, links };
}

function entityRule(type: string, raw: unknown, where: string, problems: string[]): EntityRule | undefined {
  if (!SUBJECT_TYPE.test(type)) problems.push(`${where}: an entity type must match [a-z][a-z0-9_]{0,63}`);
  if (type === 'reconciliation') problems.push(`${where}: "reconciliation" is the hub's own subject type`);
  if (!isObject(raw)) {
    problems.push(`${where} must be an object with sources, graceSeconds and fields`);
    return undefined;
  }
  unknownKeys(raw, ['sources', 'graceSeconds', 'fields', 'naturalKey', 'links'], where, problems);
  const sources = sourceList(raw.sources, `${where}.sources`, problems) ?? [];
  const known = new Set(sources);
  const graceSeconds = raw.graceSeconds;
  if (typeof graceSeconds !== 'number' || !Number.isFinite(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    problems.push(`${where}.graceSeconds must be a number of seconds from 0 to ${MAX_GRACE_SECONDS}`);
  }
  const links: LinkRule[] = [];
  if (raw.links !== undefined) {
    if (!isObject(raw.links)) problems.push(`${where}.links must map a virtual source name to { eventType, idPath, sum }`);
    else for (const [as, link] of Object.entries(raw.links)) {
      const parsed = linkRule(as, link, `${where}.links.${as}`, known, problems);
      if (parsed) links.push(parsed);
    }
  }
  const fields: FieldRule[] = [];
  if (raw.fields !== undefined && !isObject(raw.fields)) problems.push(`${where}.fields must map field names to { path, map?, tolerance?, sources? }`);
  else for (const [name, field] of Object.entries(raw.fields ?? {})) {
    const parsed = fieldRule(name, field, `${where}.fields.${name}`, sources, known, problems);
    if (parsed) fields.push(parsed);
  }
  if (fields.length === 0 && raw.naturalKey === undefined && sources.length < 2) {
    problems.push(`${where}: nothing to reconcile (give two or more sources, fields to compare, or a naturalKey)`);
  }
  let naturalKey: string[] | undefined;
  if (raw.naturalKey !== undefined) {
    if (typeof raw.naturalKey === 'string' && FIELD_PATH.test(raw.naturalKey)) naturalKey = raw.naturalKey.split('.');
    else problems.push(`${where}.naturalKey must be a field path such as email or contact.email`);
  }
  for (const link of links) {
    for (const field of link.sum) {
      if (!fields.some((f) => f.name === field)) problems.push(`${where}.links.${link.as}.sum: ${field} is not one of the entity's fields`);
    }
  }
  const fieldsBySource = new Map(sources.map((source) => [source, fields.filter((field) => field.paths[source] !== undefined)]));
  return { type, sources, graceSeconds: typeof graceSeconds === 'number' ? graceSeconds : 0, fields, links, fieldsBySource, ...(naturalKey ? { naturalKey } : {}) };
}

function fieldRule(name: string, raw: unknown, where: string, entitySources: readonly string[], known: ReadonlySet<string>, problems: string[]): FieldRule | undefined {
  if (!FIELD_NAME.test(name)) problems.push(`${where}: a field name must match [A-Za-z_][A-Za-z0-9_-]{0,63}`);
  const spec = typeof raw === 'string' ? { path: raw } : raw;
  if (!isObject(spec)) {
    problems.push(`${where} must be a path or an object { path, map?, tolerance?, sources? }`);
    return undefined;
  }
  unknownKeys(spec, ['path', 'map', 'tolerance', 'sources'], where, problems);
  const sources = spec.sources === undefined ? [...entitySources] : (sourceList(spec.sources, `${where}.sources`, problems, 1) ?? []);
  for (const source of sources) if (spec.sources !== undefined && !known.has(source)) problems.push(`${where}.sources: ${source} is not one of the entity's sources (${[...known].join(', ')})`);
  const paths: Record<string, string[]> = {};
  const pathOf = (value: unknown, at: string): string[] | undefined => {
    if (typeof value === 'string' && FIELD_PATH.test(value)) return value.split('.');
    problems.push(`${at} must be a field path such as status or total.amount`);
    return undefined;
  };
  if (isObject(spec.path)) {
    for (const [source, path] of Object.entries(spec.path)) {
      if (!sources.includes(source)) problems.push(`${where}.path.${source}: ${source} is not one of the field's sources (${sources.join(', ')})`);
      const parsed = pathOf(path, `${where}.path.${source}`);
      if (parsed) paths[source] = parsed;
    }
    for (const source of sources) if (!(source in spec.path)) problems.push(`${where}.path: no path for source ${source}`);
  } else {
    const parsed = pathOf(spec.path ?? name, `${where}.path`);
    if (parsed) for (const source of sources) paths[source] = parsed;
  }
  let map: Record<string, Record<string, Scalar>> | undefined;
  if (spec.map !== undefined) {
    if (!isObject(spec.map)) problems.push(`${where}.map must map a source to { its value: canonical value }`);
    else {
      map = {};
      for (const [source, table] of Object.entries(spec.map)) {
        if (!sources.includes(source)) problems.push(`${where}.map.${source}: ${source} is not one of the field's sources (${sources.join(', ')})`);
        if (!isObject(table) || Object.keys(table).length === 0) {
          problems.push(`${where}.map.${source} must map that source's values to canonical ones`);
          continue;
        }
        for (const [from, to] of Object.entries(table)) if (!isScalar(to)) problems.push(`${where}.map.${source}.${from} must be a string, number or boolean`);
        map[source] = table as Record<string, Scalar>;
      }
    }
  }
  const tolerance = spec.tolerance;
  if (tolerance !== undefined && (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)) {
    problems.push(`${where}.tolerance must be a non-negative number`);
  }
  if (sources.length < 2) problems.push(`${where}: a compared field needs two or more sources`);
  return { name, paths, sources, ...(map ? { map } : {}), ...(typeof tolerance === 'number' ? { tolerance } : {}) };
}

function linkRule(as: string, raw: unknown, where: string, known: ReadonlySet<string>, problems: string[]): LinkRule | undefined {
  if (!known.has(as)) problems.push(`${where}: ${as} must also be listed in the entity's sources`);
  if (!isObject(raw)) {
    problems.push(`${where} must be { eventType, idPath, sum }`);
    return undefined;
  }
  unknownKeys(raw, ['eventType', 'idPath', 'sum'], where, problems);
  if (typeof raw.eventType !== 'string' || !/^[a-z][a-z0-9_.-]{0,127}$/.test(raw.eventType)) problems.push(`${where}.eventType must be a contract type such as payment.received`);
  if (typeof raw.idPath !== 'string' || !FIELD_PATH.test(raw.idPath)) problems.push(`${where}.idPath must be the path of the linked entity's id, e.g. invoiceId`);
  const sum = Array.isArray(raw.sum) ? raw.sum : [raw.sum];
  if (!sum.every((s): s is string => typeof s === 'string' && FIELD_NAME.test(s))) problems.push(`${where}.sum must list field names to add up`);
  return { as, eventType: String(raw.eventType), idPath: String(raw.idPath).split('.'), sum: sum.map(String) };
}

function sourceList(raw: unknown, where: string, problems: string[], min = 1): string[] | undefined {
  if (!Array.isArray(raw) || raw.length < min) {
    problems.push(`${where} must list ${min === 1 ? 'one or more' : `${min} or more`} source names`);
    return undefined;
  }
  const out: string[] = [];
  for (const source of raw) {
    if (typeof source !== 'string' || !SOURCE_NAME.test(source)) problems.push(`${where}: ${JSON.stringify(source)} is not a source name ([a-z0-9-]{1,64})`);
    else if (source === 'concord') problems.push(`${where}: concord is the hub itself, not a source system`);
    else if (out.includes(source)) problems.push(`${where}: ${source} is listed twice`);
    else out.push(source);
  }
  return out;
}

function unknownKeys(raw: Json, allowed: readonly string[], where: string, problems: string[]): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) problems.push(`${where ? `${where}.` : ''}${key} is not a known setting (expected ${allowed.join(', ')})`);
  }
}

const loaded = new Map<string, ReconciliationRules>();

/**
 * The rules a hub configuration names (CONCORD_RECONCILIATION_RULES, else the
 * shipped config/reconciliation.yaml when present; `off`: none), read once per file per
 * process so the projection, the sweeper and the API judge by the same rules.
 */
export function reconciliationRulesFor(config: { readonly CONCORD_RECONCILIATION_RULES: string }): ReconciliationRules {
  if (config.CONCORD_RECONCILIATION_RULES === 'off') return EMPTY_RULES;
  const explicit = config.CONCORD_RECONCILIATION_RULES !== '';
  const file = explicit ? config.CONCORD_RECONCILIATION_RULES : DEFAULT_RULES_FILE;
  const key = `${explicit}:${file}`;
  let rules = loaded.get(key);
  if (!rules) {
    rules = loadReconciliationRules(file, explicit);
    loaded.set(key, rules);
  }
  return rules;
}

export const DEFAULT_RULES_FILE = 'config/reconciliation.yaml';
