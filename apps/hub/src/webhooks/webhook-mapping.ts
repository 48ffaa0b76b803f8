import { FORBIDDEN_KEYS } from '@concord/contracts';

/**
 * How one kind of webhook payload becomes an event envelope. A string value
 * starting with `$` is a path into the payload (`$.data.order.id`,
 * `$.items[0].sku`); a trailing `?` makes it optional (left out when absent).
 * Anything else is a literal. `data` may nest objects of such values.
 */
export interface WebhookMapping {
  /** The first mapping whose `when` matches is used; a mapping without `when` matches everything. */
  readonly when?: { readonly path: string; readonly equals: string | number | boolean };
  readonly type: string;
  readonly schemaVersion?: number;
  readonly subject: { readonly type: string; readonly id: string };
  readonly occurredAt: string;
  readonly sourceSequence?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: { readonly type: string; readonly id: string };
  readonly data: MappedValue;
}

export type MappedValue = string | number | boolean | null | { readonly [key: string]: MappedValue };

export type MappingOutcome = { readonly ok: true; readonly envelope: Record<string, unknown> } | { readonly ok: false; readonly message: string };

const PATH = /^\$((\.[A-Za-z0-9_-]+)|(\[\d{1,6}\]))*\??$/;

export function isPath(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('$');
}

export function isValidPath(path: string): boolean {
  return PATH.test(path);
}

/** Reads a path from a parsed JSON document: own properties only, never a prototype. */
export function readPath(document: unknown, path: string): { found: boolean; value?: unknown } {
  const steps = path.replace(/\?$/, '').slice(1).match(/\.[A-Za-z0-9_-]+|\[\d+\]/g) ?? [];
  let current: unknown = document;
  for (const step of steps) {
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1);
    if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) return { found: false };
    if (current === null || typeof current !== 'object') return { found: false };
    if (typeof key === 'number' ? !Array.isArray(current) : Array.isArray(current)) return { found: false };
    if (!Object.prototype.hasOwnProperty.call(current, key)) return { found: false };
    current = (current as Record<string | number, unknown>)[key];
  }
  return current === undefined ? { found: false } : { found: true, value: current };
}

class MissingValue extends Error {}

function resolve(value: MappedValue, payload: unknown, field: string): unknown {
  if (isPath(value)) {
    const read = readPath(payload, value);
    if (read.found && read.value !== null) return read.value;
    if (value.endsWith('?')) return undefined;
    throw new MissingValue(`${field}: the webhook has no value at ${value}`);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const resolved = resolve(inner, payload, `${field}.${key}`);
      if (resolved !== undefined) out[key] = resolved;
    }
    return out;
  }
  return value;
}

function matches(mapping: WebhookMapping, payload: unknown): boolean {
  if (!mapping.when) return true;
  const read = readPath(payload, mapping.when.path);
  return read.found && read.value === mapping.when.equals;
}

/**
 * Turns a verified webhook payload into an envelope. Pure. The webhook id is
 * the idempotency key: the event id is `<source>:<webhook-id>`, so a
 * redelivery of the same webhook is a duplicate of the same event.
 */
export function mapWebhook(source: string, webhookId: string, payload: unknown, mappings: readonly WebhookMapping[]): MappingOutcome {
  const mapping = mappings.find((candidate) => matches(candidate, payload));
  if (!mapping) return { ok: false, message: `no mapping of source ${source} matches this webhook (checked ${mappings.map((m) => (m.when ? `${m.when.path} = ${JSON.stringify(m.when.equals)}` : 'always')).join(', ')})` };
  try {
    const field = (name: string, value: MappedValue | undefined) => {
      if (value === undefined) return {};
      const resolved = resolve(value, payload, name);
      return resolved === undefined ? {} : { [name]: resolved };
    };
    const envelope: Record<string, unknown> = {
      id: `${source}:${webhookId}`,
      source,
      type: mapping.type,
      ...(mapping.schemaVersion !== undefined ? { schemaVersion: mapping.schemaVersion } : {}),
      subject: resolve(mapping.subject, payload, 'subject'),
      ...field('occurredAt', mapping.occurredAt),
      ...field('sourceSequence', mapping.sourceSequence),
      ...field('correlationId', mapping.correlationId),
      ...field('causationId', mapping.causationId),
      ...(mapping.actor ? { actor: resolve(mapping.actor, payload, 'actor') } : {}),
      data: resolve(mapping.data, payload, 'data'),
    };
    return { ok: true, envelope };
  } catch (error) {
    if (error instanceof MissingValue) return { ok: false, message: error.message };
    throw error;
  }
}
