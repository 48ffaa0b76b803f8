import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { FLOW_RULE_NAME, PRINTABLE_ID, SUBJECT_TYPE, type SubjectRef } from '@concord/contracts';
import { READ_MODEL_STORE, type DocumentQuery, type QueryCondition, type ReadModelStore } from '@concord/projections';
import { MAX_PAGE_LIMIT } from '../http/query-params';
import { isStuck, type Expectation, type SeenEvent } from './flow-expectation';
import type { FlowRules } from './flow-rules';
import { FLOW_ACTIVE } from './flows.projection';

export const FLOW_RULES = Symbol('FlowRules');

/** One overdue flow as `GET /v1/flows/stuck` shows it. */
export interface StuckFlow {
  readonly id: string;
  readonly rule: string;
  readonly description?: string;
  readonly entity: SubjectRef;
  readonly status: 'overdue';
  /** Whether the hub has stated it in the log yet (`flow.overdue`, published downstream); the sweeper does so within one interval. */
  readonly recorded: boolean;
  readonly overdueEventId?: string;
  readonly startedBy: SeenEvent;
  readonly expectedBy: string;
  readonly overdueForSeconds: number;
  /** The same, for people: `1h 5m`. */
  readonly overdueFor: string;
  readonly lastEvent?: SeenEvent;
  /** The values the expected event must carry (rules with sameFields). */
  readonly expected?: Readonly<Record<string, unknown>>;
  /** Expected-kind events that arrived but did not match (a payment of another amount), newest last. */
  readonly unmatched?: ReadonlyArray<SeenEvent & { readonly values: Readonly<Record<string, unknown>> }>;
  readonly problem?: string;
}

export interface StuckFlowsFilter {
  readonly rule?: string;
  readonly entity?: { readonly type: string; readonly id?: string };
  readonly limit: number;
  readonly after?: { readonly value: string; readonly key: string };
}

export interface StuckFlowsPage {
  readonly rulesVersion: string;
  readonly asOf: string;
  readonly items: StuckFlow[];
  readonly nextCursor?: string;
}

export class StuckFlowsQueryError extends Error {
  override readonly name = 'StuckFlowsQueryError';
}

const KNOWN = ['rule', 'entity', 'limit', 'cursor'];

/** `?rule=&entity=<type>[/<id>]&limit=&cursor=` → a filter. Pure; every refusal names the parameter. */
export function parseStuckFlowsQuery(params: Record<string, unknown>, rules: FlowRules): StuckFlowsFilter {
  for (const [name, raw] of Object.entries(params)) {
    if (!KNOWN.includes(name)) throw new StuckFlowsQueryError(`unknown parameter ${name}; use ${KNOWN.join(', ')}`);
    if (typeof raw !== 'string') throw new StuckFlowsQueryError(`${name} must be given once`);
  }
  const { rule, entity, limit, cursor } = params as Record<string, string | undefined>;
  if (rule !== undefined) {
    if (!FLOW_RULE_NAME.test(rule)) throw new StuckFlowsQueryError('rule must be a flow rule name ([a-z0-9-], at most 63)');
    if (!rules.rules.some((r) => r.name === rule)) {
      throw new StuckFlowsQueryError(`no flow rule named ${rule} (rules ${rules.version}: ${rules.rules.map((r) => r.name).join(', ') || 'none configured'})`);
    }
  }
  let entityFilter: StuckFlowsFilter['entity'];
  if (entity !== undefined) {
    const slash = entity.indexOf('/');
    const type = slash < 0 ? entity : entity.slice(0, slash);
    const id = slash < 0 ? undefined : entity.slice(slash + 1);
    if (!SUBJECT_TYPE.test(type) || (id !== undefined && !PRINTABLE_ID.test(id))) {
      throw new StuckFlowsQueryError('entity must be <type> or <type>/<id> (type [a-z][a-z0-9_]*, id 1..200 characters without control characters)');
    }
    entityFilter = id === undefined ? { type } : { type, id };
  }
  let size = 100;
  if (limit !== undefined) {
    if (!/^\d{1,6}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE_LIMIT) throw new StuckFlowsQueryError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
    size = Number(limit);
  }
  return {
    ...(rule !== undefined ? { rule } : {}),
    ...(entityFilter ? { entity: entityFilter } : {}),
    limit: size,
    ...(cursor !== undefined ? { after: decodeCursor(cursor) } : {}),
  };
}

export function encodeCursor(expectedBy: string, key: string): string {
  return Buffer.from(JSON.stringify(['stuck', expectedBy, key])).toString('base64url');
}

function decodeCursor(cursor: string): { value: string; key: string } {
  if (cursor.length <= 1000) {
    try {
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(decoded) && decoded.length === 3 && decoded[0] === 'stuck' && typeof decoded[1] === 'string' && typeof decoded[2] === 'string' && PRINTABLE_ID.test(decoded[2])) {
        return { value: decoded[1], key: decoded[2] };
      }
    } catch {
      // refused below
    }
  }
  throw new StuckFlowsQueryError('cursor is not one this API returned');
}

/** `3725` → `1h 2m`: the two largest units, for people (overdueForSeconds has the number). */
export function formatOverdue(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(seconds));
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}

export function toStuckFlow(expectation: Expectation, rules: FlowRules, now: Date): StuckFlow {
  const description = rules.rules.find((r) => r.name === expectation.rule)?.description;
  const seconds = Math.floor((now.getTime() - Date.parse(expectation.expectedBy!)) / 1000);
  return {
    id: expectation.id,
    rule: expectation.rule,
    ...(description !== undefined ? { description } : {}),
    entity: expectation.entity,
    status: 'overdue',
    recorded: expectation.overdue !== undefined,
    ...(expectation.overdue ? { overdueEventId: expectation.overdue.eventId } : {}),
    startedBy: expectation.startedBy!,
    expectedBy: expectation.expectedBy!,
    overdueForSeconds: seconds,
    overdueFor: formatOverdue(seconds),
    ...(expectation.lastEvent ? { lastEvent: expectation.lastEvent } : {}),
    ...(expectation.expected && Object.keys(expectation.expected).length > 0 ? { expected: expectation.expected } : {}),
    ...(expectation.candidates.length > 0 ? { unmatched: expectation.candidates } : {}),
    ...(expectation.problem !== undefined ? { problem: expectation.problem } : {}),
  };
}

/** One millisecond before `now`: `expectedBy <= that` is `expectedBy < now` on millisecond ISO strings. */
function justBefore(now: Date): string {
  return new Date(now.getTime() - 1).toISOString();
}

/**
 * Reads the flows read model: the overdue list, counts, and what the sweeper must state.
 * Only the active collection is read, so the cost follows the flows in progress.
 */
@Injectable()
export class StuckFlows {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FLOW_RULES) readonly rules: FlowRules,
  ) {}

  async page(filter: StuckFlowsFilter, now: Date = this.clock.now()): Promise<StuckFlowsPage> {
    // Without rules the projection does not run; what an earlier configuration left in the model is not current.
    if (this.rules.rules.length === 0) return { rulesVersion: this.rules.version, asOf: now.toISOString(), items: [] };
    const where: QueryCondition[] = [
      { path: 'open', op: 'eq', value: true },
      { path: 'expectedBy', op: 'lte', value: justBefore(now) },
    ];
    if (filter.rule !== undefined) where.push({ path: 'rule', op: 'eq', value: filter.rule });
    if (filter.entity) where.push({ path: 'entity.type', op: 'eq', value: filter.entity.type });
    if (filter.entity?.id !== undefined) where.push({ path: 'entity.id', op: 'eq', value: filter.entity.id });
    const query: DocumentQuery = { where, orderBy: { path: 'expectedBy', direction: 'asc' }, limit: filter.limit, ...(filter.after ? { after: filter.after } : {}) };
    const page = await this.readModels.query(FLOW_ACTIVE, query);
    const items = page.items.map((item) => item.doc as unknown as Expectation).filter((e) => isStuck(e, now));
    const last = page.items[page.items.length - 1];
    return {
      rulesVersion: this.rules.version,
      asOf: now.toISOString(),
      items: items.map((e) => toStuckFlow(e, this.rules, now)),
      ...(page.hasMore && last ? { nextCursor: encodeCursor(String(last.sortValue), last.key) } : {}),
    };
  }

  /** How many flows are overdue now, per rule (every configured rule listed), and the oldest one. */
  async count(now: Date = this.clock.now()): Promise<{ total: number; byRule: Record<string, number>; oldest?: StuckFlow }> {
    const byRule: Record<string, number> = Object.fromEntries(this.rules.rules.map((r) => [r.name, 0]));
    let total = 0;
    let oldest: StuckFlow | undefined;
    let after: StuckFlowsFilter['after'];
    for (;;) {
      const page = await this.page({ limit: MAX_PAGE_LIMIT, ...(after ? { after } : {}) }, now);
      for (const item of page.items) {
        oldest ??= item;
        byRule[item.rule] = (byRule[item.rule] ?? 0) + 1;
        total += 1;
      }
      if (!page.nextCursor) break;
      after = decodeCursor(page.nextCursor);
    }
    return { total, byRule, ...(oldest ? { oldest } : {}) };
  }

  /** What the sweeper has to state at `now`: waiting past the deadline, and met after being stated overdue. Up to `limit`. */
  async toState(now: Date, limit: number): Promise<Expectation[]> {
    if (this.rules.rules.length === 0) return [];
    const overdue = await this.readModels.query(FLOW_ACTIVE, {
      where: [
        { path: 'phase', op: 'eq', value: 'waiting' },
        { path: 'expectedBy', op: 'lte', value: justBefore(now) },
      ],
      orderBy: { path: 'expectedBy', direction: 'asc' },
      limit,
    });
    const clearing = await this.readModels.query(FLOW_ACTIVE, { where: [{ path: 'phase', op: 'eq', value: 'clearing' }], limit });
    return [...overdue.items, ...clearing.items].map((item) => item.doc as unknown as Expectation).slice(0, limit);
  }
}
