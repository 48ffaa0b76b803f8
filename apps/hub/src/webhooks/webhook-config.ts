import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SOURCE_NAME } from '@concord/contracts';
import { parseWebhookSecret } from './standard-webhooks';
import { isPath, isValidPath, type MappedValue, type WebhookMapping } from './webhook-mapping';

/** One webhook source, ready to verify and map deliveries. */
export interface WebhookSource {
  readonly name: string;
  readonly keys: readonly Buffer[];
  /** Per key: what is recorded as the delivery's credential (source and a fingerprint of the secret, never the secret). */
  readonly credentials: readonly string[];
  readonly mappings: readonly WebhookMapping[];
}

export class WebhookConfigError extends Error {
  override readonly name = 'WebhookConfigError';
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkPaths(value: unknown, where: string, problems: string[]): void {
  if (isPath(value) && !isValidPath(value)) problems.push(`${where}: ${JSON.stringify(value)} is not a path like $.data.id or $.items[0].sku (optional: trailing ?)`);
  if (isObject(value)) for (const [key, inner] of Object.entries(value)) checkPaths(inner, `${where}.${key}`, problems);
}

function checkMapping(raw: unknown, where: string, problems: string[]): WebhookMapping | undefined {
  if (!isObject(raw)) {
    problems.push(`${where} must be an object`);
    return undefined;
  }
  const need = (key: string, ok: boolean, what: string) => ok || problems.push(`${where}.${key} must be ${what}`);
  need('type', typeof raw.type === 'string', 'a contract type such as order.created');
  need('subject', isObject(raw.subject) && typeof raw.subject.type === 'string' && typeof raw.subject.id === 'string', '{ type, id }');
  need('occurredAt', typeof raw.occurredAt === 'string', 'a path to the time the fact happened (redeliveries must map to the same value)');
  need('data', isObject(raw.data), 'an object of paths and literals');
  if (raw.when !== undefined) need('when', isObject(raw.when) && isPath(raw.when.path) && ['string', 'number', 'boolean'].includes(typeof raw.when.equals), '{ path, equals }');
  for (const key of ['sourceSequence', 'correlationId', 'causationId']) if (raw[key] !== undefined) need(key, typeof raw[key] === 'string', 'a path or literal');
  if (raw.actor !== undefined) need('actor', isObject(raw.actor) && typeof raw.actor.type === 'string' && typeof raw.actor.id === 'string', '{ type, id }');
  if (raw.schemaVersion !== undefined) need('schemaVersion', Number.isInteger(raw.schemaVersion), 'an integer');
  checkPaths(raw, where, problems);
  if (isObject(raw.when)) checkPaths(raw.when.path, `${where}.when.path`, problems);
  return raw as unknown as WebhookMapping & { data: MappedValue };
}

/**
 * Reads the webhook configuration (YAML or JSON):
 *
 *   sources:
 *     <source>:
 *       secretEnv: <NAME of an environment variable holding one or more whsec_… secrets, space-separated>
 *       mappings: [ { when?, type, subject, occurredAt, data, … } ]
 *
 * Every problem is reported at start-up, at once; secrets are never printed.
 */
export function loadWebhookSources(file: string, env: NodeJS.ProcessEnv): Map<string, WebhookSource> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new WebhookConfigError(`cannot read the webhook configuration ${file}: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const sources = new Map<string, WebhookSource>();
  const entries = isObject(document) && isObject(document.sources) ? Object.entries(document.sources) : undefined;
  if (!entries) throw new WebhookConfigError(`${file}: expected a top-level "sources" object`);
  for (const [name, raw] of entries) {
    const where = `sources.${name}`;
    if (!SOURCE_NAME.test(name)) problems.push(`${where}: a source name must match [a-z0-9-]{1,64}`);
    if (!isObject(raw)) {
      problems.push(`${where} must be an object`);
      continue;
    }
    const secretEnv = raw.secretEnv;
    const keys: Buffer[] = [];
    if (typeof secretEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv)) problems.push(`${where}.secretEnv must name an environment variable`);
    else {
      const secrets = (env[secretEnv] ?? '').split(/[\s,]+/).filter(Boolean);
      if (secrets.length === 0) problems.push(`${where}: the environment variable ${secretEnv} is not set (it holds the whsec_… secret)`);
      secrets.forEach((secret, index) => {
        try {
          keys.push(parseWebhookSecret(secret));
        } catch (error) {
          problems.push(`${where}: secret #${index + 1} in ${secretEnv}: ${(error as Error).message}`);
        }
      });
    }
    const rawMappings = raw.mappings;
    if (!Array.isArray(rawMappings) || rawMappings.length === 0) problems.push(`${where}.mappings must be a non-empty list`);
    const mappings = (Array.isArray(rawMappings) ? rawMappings : []).map((m, i) => checkMapping(m, `${where}.mappings[${i}]`, problems)).filter((m): m is WebhookMapping => m !== undefined);
    const credentials = keys.map((key) => `webhook:${name}:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`);
    sources.set(name, { name, keys, credentials, mappings });
  }
  if (problems.length > 0) throw new WebhookConfigError(`invalid webhook configuration ${file}:\n  - ${problems.join('\n  - ')}`);
  return sources;
}
