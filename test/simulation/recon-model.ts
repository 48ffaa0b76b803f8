import { HUB_SOURCE, type Accepted } from './model';

/**
 * What reconciliation must say about the simulated orders under config/reconciliation.yaml, written
 * from the rules' text, not from the hub's fold: erp, crm and billing must all know an order (else a
 * `missing` item); `status` is compared in a canonical vocabulary (a value outside a source's map is
 * `unmapped`), `amount` within 0.01, `currency` exactly; a disagreement is `pending` for 300 s of
 * recorded time, `open` once the sweeper has recorded that, and then `resolved` (or `cleared`, if it
 * ended while pending) when the sources agree again.
 */
export const GRACE_MS = 300_000;
const SOURCES = ['erp', 'crm', 'billing'] as const;
const STATUS_MAPS: Record<string, Record<string, string>> = {
  erp: { OPEN: 'open', CONFIRMED: 'open', SHIPPED: 'shipped', COMPLETED: 'done', CANCELLED: 'cancelled' },
  crm: { new: 'open', open: 'open', in_progress: 'open', shipped: 'shipped', closed: 'done', cancelled: 'cancelled' },
  billing: { open: 'open', invoiced: 'open', shipped: 'shipped', paid: 'done', done: 'done', void: 'cancelled' },
};

export type ItemStatus = 'pending' | 'open' | 'resolved' | 'cleared';

export interface ModelItem {
  readonly id: string;
  readonly kind: 'mismatch' | 'missing';
  readonly field?: string;
  status: ItemStatus;
  episode: number;
  reason: 'differs' | 'unmapped' | 'missing';
  since: string;
  /** Episodes whose resolution the sweeper still has to record. */
  announce: number[];
}

interface Facts {
  sequence?: number;
  lastOccurredAt: string;
  fields: { status?: string; amount?: number; currency?: string };
}

/** The record the sweeper must append: an item's episode opened, or its resolution announced. */
export interface SweepRecord {
  readonly type: 'reconciliation.item-opened' | 'reconciliation.item-resolved';
  readonly itemId: string;
  readonly episode: number;
}

/** Disagreements about one order now: item id → reason. */
function disagreements(order: string, sources: ReadonlyMap<string, Facts>): Map<string, { kind: ModelItem['kind']; field?: string; reason: ModelItem['reason'] }> {
  const found = new Map<string, { kind: ModelItem['kind']; field?: string; reason: ModelItem['reason'] }>();
  if (SOURCES.some((s) => !sources.has(s))) found.set(`order/${order}:missing`, { kind: 'missing', reason: 'missing' });
  const reported = (field: keyof Facts['fields']) => SOURCES.filter((s) => sources.get(s)?.fields[field] !== undefined).map((s) => [s, sources.get(s)!.fields[field]!] as const);

  const statuses = reported('status');
  const canonical = statuses.map(([source, value]) => (Object.hasOwn(STATUS_MAPS[source]!, value) ? STATUS_MAPS[source]![value] : undefined));
  if (canonical.some((c) => c === undefined)) found.set(`order/${order}:mismatch:status`, { kind: 'mismatch', field: 'status', reason: 'unmapped' });
  else if (new Set(canonical).size > 1) found.set(`order/${order}:mismatch:status`, { kind: 'mismatch', field: 'status', reason: 'differs' });

  const amounts = reported('amount').map(([, v]) => v as number);
  if (amounts.length > 1 && Math.max(...amounts) - Math.min(...amounts) > 0.01 + 1e-9) found.set(`order/${order}:mismatch:amount`, { kind: 'mismatch', field: 'amount', reason: 'differs' });
  if (new Set(reported('currency').map(([, v]) => v)).size > 1) found.set(`order/${order}:mismatch:currency`, { kind: 'mismatch', field: 'currency', reason: 'differs' });
  return found;
}

/** Folds the acknowledged log (in order) into the items reconciliation must show. */
export function reconciliationItems(log: readonly Accepted[]): Map<string, ModelItem> {
  const items = new Map<string, ModelItem>();
  const orders = new Map<string, Map<string, Facts>>();
  for (const { envelope, recordedAt, position } of log) {
    if (envelope.source === HUB_SOURCE) {
      const { itemId, episode } = envelope.data as { itemId?: string; episode?: number };
      const item = itemId !== undefined ? items.get(itemId) : undefined;
      if (!item) continue;
      if (envelope.type === 'reconciliation.item-opened' && item.episode === episode && item.status === 'pending') item.status = 'open';
      if (envelope.type === 'reconciliation.item-resolved') item.announce = item.announce.filter((e) => e !== episode);
      continue;
    }
    if (envelope.subject.type !== 'order') continue;
    const sources = orders.get(envelope.subject.id) ?? new Map<string, Facts>();
    orders.set(envelope.subject.id, sources);
    const previous = sources.get(envelope.source);
    const sequence = envelope.sourceSequence;
    const stale =
      previous !== undefined &&
      ((previous.sequence !== undefined && sequence !== undefined && sequence <= previous.sequence) ||
        (previous.sequence === undefined && sequence === undefined && Date.parse(envelope.occurredAt) < Date.parse(previous.lastOccurredAt)));
    if (stale) continue; // counted, never compared: a late report cannot make a false mismatch
    const data = envelope.data as { status?: string; total?: { amount: number; currency: string } };
    const full = envelope.type === 'order.created';
    const fields = full ? {} : { ...previous?.fields };
    if (data.status !== undefined) fields.status = data.status;
    if (data.total !== undefined) Object.assign(fields, { amount: data.total.amount, currency: data.total.currency });
    const kept = sequence ?? previous?.sequence; // the last sequence a source reported stays its mark
    sources.set(envelope.source, { ...(kept !== undefined ? { sequence: kept } : {}), lastOccurredAt: envelope.occurredAt, fields });

    const now = disagreements(envelope.subject.id, sources);
    for (const id of new Set([...now.keys(), ...[...items.values()].filter((i) => i.id.startsWith(`order/${envelope.subject.id}:`)).map((i) => i.id)])) {
      const item = items.get(id);
      const active = item?.status === 'pending' || item?.status === 'open';
      const found = now.get(id);
      if (!found) {
        if (item?.status === 'pending') item.status = 'cleared';
        else if (item?.status === 'open') {
          item.status = 'resolved';
          item.announce.push(item.episode);
        }
        continue;
      }
      if (item && active) {
        item.reason = found.reason;
        continue;
      }
      items.set(id, { id, ...found, status: 'pending', episode: position, since: recordedAt, announce: item?.announce ?? [] });
    }
  }
  return items;
}

/** What a sweep at `now` must record: every pending episode past its grace, every resolution not yet announced. */
export function dueRecords(items: ReadonlyMap<string, ModelItem>, now: Date): SweepRecord[] {
  const records: SweepRecord[] = [];
  for (const item of items.values()) {
    if (item.status === 'pending' && Date.parse(item.since) + GRACE_MS <= now.getTime()) records.push({ type: 'reconciliation.item-opened', itemId: item.id, episode: item.episode });
    for (const episode of item.announce) records.push({ type: 'reconciliation.item-resolved', itemId: item.id, episode });
  }
  return records;
}
