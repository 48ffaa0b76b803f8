import { Inject, Injectable } from '@nestjs/common';
import type { SubjectRef } from '@concord/contracts';
import { READ_MODEL_STORE, type DocumentPage, type DocumentQuery, type ReadModelStore } from '@concord/projections';
import {
  compareField,
  emptySummary,
  episodesOf,
  ITEM_KINDS,
  RECON_AGENDA,
  RECON_ENTITIES,
  RECON_ITEMS,
  RECON_SUMMARY,
  statusAt,
  addToSummary,
  type AgendaEntry,
  type FieldComparison,
  type ItemStatus,
  type ReconEntity,
  type ReconItem,
  type Summary,
  type SummaryCounts,
} from './reconciliation-model';
import { RECONCILIATION_RULES } from './reconciliation.tokens';
import type { FieldRule, ReconciliationRules } from './reconciliation-rules';
import type { ReportWindow } from './reconciliation-query';

export type { SummaryCounts } from './reconciliation-model';

/** An item as the API shows it in lists (its history only in the item's own view). */
export type ListedItem = Omit<ReconItem, 'history' | 'announce' | 'announcing' | 'historyDropped'>;

/** One system's side of a compared field. */
export interface SourceValue {
  readonly present: boolean;
  readonly value?: unknown;
  /** In the canonical vocabulary; null when the system's map does not know the value (unmapped). */
  readonly canonical?: unknown;
  /** The event that set the value. */
  readonly eventId?: string;
  /** Where this system keeps the field in its events' data (dotted), so a reader can place the verdict beside the raw value. */
  readonly path: string;
}

export interface FieldVerdict {
  readonly field: string;
  readonly verdict: FieldComparison['verdict'];
  readonly values: Readonly<Record<string, SourceValue>>;
  readonly tolerance?: number;
}

export interface EntityComparison {
  readonly subject: SubjectRef;
  readonly rulesVersion: string;
  readonly verdict: 'matched' | 'pending' | 'disagreeing';
  readonly sources: Readonly<Record<string, { readonly known: boolean; readonly lastEventId?: string; readonly firstSeenAt?: string; readonly events?: number; readonly staleEvents?: number }>>;
  readonly fields: readonly FieldVerdict[];
  readonly items: readonly ListedItem[];
}

export interface ReportRow {
  readonly itemId: string;
  readonly kind: ReconItem['kind'];
  readonly entityType: string;
  readonly subject?: SubjectRef;
  readonly field?: string;
  readonly source?: string;
  readonly episode: number;
  readonly since: string;
  readonly openedAt?: string;
  readonly endedAt?: string;
  /** As it stood at the end of the window. */
  readonly status: ItemStatus;
  readonly values?: Readonly<Record<string, unknown>>;
  readonly evidence?: readonly string[];
}

export interface ReconciliationReport {
  readonly rulesVersion: string;
  readonly generatedAt: string;
  readonly window: { readonly from: string; readonly to: string; readonly entity?: string };
  readonly counts: Readonly<Record<ItemStatus, number>> & Readonly<Record<ReconItem['kind'], number>>;
  readonly items: readonly ReportRow[];
}

/** Reads of the reconciliation read model; the API, the sweeper and the status share them. */
@Injectable()
export class ReconciliationReader {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(RECONCILIATION_RULES) readonly rules: ReconciliationRules,
  ) {}

  get enabled(): boolean {
    return this.rules.entities.size > 0;
  }

  async summary(entity?: string): Promise<SummaryCounts> {
    const types = entity !== undefined ? [entity] : [...this.rules.entities.keys()];
    let total = emptySummary('*');
    for (const type of types) {
      const doc = (await this.readModels.get(RECON_SUMMARY, type)) as Summary | undefined;
      if (doc) total = addToSummary(total, { entities: doc.entities, matched: doc.matched, pending: doc.pending, mismatch: doc.mismatch, missing: doc.missing, duplicate: doc.duplicate });
    }
    const { entityType: _all, ...counts } = total;
    return counts;
  }

  async items(query: DocumentQuery): Promise<DocumentPage> {
    return this.readModels.query(RECON_ITEMS, query);
  }

  async item(id: string): Promise<ReconItem | undefined> {
    return (await this.readModels.get(RECON_ITEMS, id)) as ReconItem | undefined;
  }

  /** Field by field across the systems, with the verdict per field and the entity's items. */
  async compare(subject: SubjectRef): Promise<EntityComparison | undefined> {
    const rule = this.rules.entities.get(subject.type);
    if (!rule) return undefined;
    const entity = (await this.readModels.get(RECON_ENTITIES, `${subject.type}/${subject.id}`)) as ReconEntity | undefined;
    if (!entity) return undefined;
    const found = await this.readModels.getMany(RECON_ITEMS, entity.items.map((slot) => slot.id));
    const items = [...found.values()].map((doc) => listed(doc as unknown as ReconItem));
    const active = items.filter((item) => item.status === 'pending' || item.status === 'open');
    const sources: Record<string, EntityComparison['sources'][string]> = {};
    for (const source of rule.sources) {
      const facts = entity.sources[source];
      sources[source] = facts
        ? { known: true, lastEventId: facts.lastEventId, firstSeenAt: facts.firstSeenAt, events: facts.events, staleEvents: facts.staleEvents }
        : { known: false };
    }
    return {
      subject: entity.subject,
      rulesVersion: this.rules.version,
      verdict: active.length === 0 ? 'matched' : active.some((item) => item.status === 'open') ? 'disagreeing' : 'pending',
      sources,
      fields: rule.fields.map((field) => fieldVerdict(field, compareField(field, entity.sources), entity)),
      items,
    };
  }

  /** Pending items whose grace ended by `now`, oldest first (from the agenda: a key range, not a scan of every item). */
  async due(now: string, limit: number): Promise<ReconItem[]> {
    const page = await this.readModels.query(RECON_AGENDA, { keyPrefix: 'due/', limit });
    const entries = page.items.map((row) => row.doc as unknown as AgendaEntry);
    // Entries sort by due time: the ones due by now are a prefix of the page.
    const dueCount = entries.findIndex((entry) => entry.dueAt === undefined || entry.dueAt > now);
    return this.itemsOf(dueCount < 0 ? entries : entries.slice(0, dueCount));
  }

  /** Items with resolutions the log does not state yet. */
  async announcing(limit: number): Promise<ReconItem[]> {
    const page = await this.readModels.query(RECON_AGENDA, { keyPrefix: 'announce/', limit });
    return this.itemsOf(page.items.map((row) => row.doc as unknown as AgendaEntry));
  }

  private async itemsOf(entries: readonly AgendaEntry[]): Promise<ReconItem[]> {
    if (entries.length === 0) return [];
    const found = await this.readModels.getMany(RECON_ITEMS, entries.map((entry) => entry.item));
    return entries.flatMap((entry) => {
      const doc = found.get(entry.item);
      return doc ? [doc as unknown as ReconItem] : [];
    });
  }

  /**
   * Every episode that was pending or open at some moment inside the window,
   * with its status at the window's end, under the rules now in force.
   */
  async report(window: ReportWindow, generatedAt: string): Promise<ReconciliationReport> {
    const rows: ReportRow[] = [];
    let after: DocumentQuery['after'];
    for (;;) {
      const page = await this.readModels.query(RECON_ITEMS, {
        ...(window.entity !== undefined ? { where: [{ path: 'entityType', op: 'eq', value: window.entity }] } : {}),
        orderBy: { path: 'since', direction: 'asc' },
        limit: 500,
        ...(after ? { after } : {}),
      });
      for (const { doc } of page.items) rows.push(...reportRows(doc as unknown as ReconItem, window));
      const last = page.items[page.items.length - 1];
      if (!page.hasMore || !last) break;
      after = { value: last.sortValue, key: last.key };
    }
    rows.sort((a, b) => (a.since === b.since ? a.itemId.localeCompare(b.itemId) : a.since.localeCompare(b.since)));
    const counts = Object.fromEntries([...ITEM_KINDS, 'pending', 'open', 'resolved', 'cleared'].map((k) => [k, 0])) as Record<string, number>;
    for (const row of rows) {
      counts[row.kind]! += 1;
      counts[row.status]! += 1;
    }
    return {
      rulesVersion: this.rules.version,
      generatedAt,
      window: { from: window.from, to: window.to, ...(window.entity !== undefined ? { entity: window.entity } : {}) },
      counts: counts as ReconciliationReport['counts'],
      items: rows,
    };
  }
}

function fieldVerdict(rule: FieldRule, comparison: FieldComparison, entity: ReconEntity): FieldVerdict {
  const values: Record<string, SourceValue> = {};
  const path = (source: string) => (rule.paths[source] ?? []).join('.');
  for (const source of comparison.absent) values[source] = { present: false, path: path(source) };
  for (const [source, value] of Object.entries(comparison.values)) {
    const eventId = entity.sources[source]?.fields[comparison.field]?.eventId;
    values[source] = { present: true, value, canonical: comparison.canonical[source], ...(eventId !== undefined ? { eventId } : {}), path: path(source) };
  }
  return { field: comparison.field, verdict: comparison.verdict, values, ...(comparison.tolerance !== undefined ? { tolerance: comparison.tolerance } : {}) };
}

export function listed(item: ReconItem): ListedItem {
  const { history: _h, announce: _a, announcing: _n, historyDropped: _d, ...rest } = item;
  return rest;
}

function reportRows(item: ReconItem, window: ReportWindow): ReportRow[] {
  return episodesOf(item)
    .filter((episode) => episode.since <= window.to && (episode.endedAt === undefined || episode.endedAt >= window.from))
    .map((episode) => ({
      itemId: item.id,
      kind: item.kind,
      entityType: item.entityType,
      ...(item.subject ? { subject: item.subject } : {}),
      ...(item.field !== undefined ? { field: item.field } : {}),
      ...(item.source !== undefined ? { source: item.source } : {}),
      episode: episode.episode,
      since: episode.since,
      ...(episode.openedAt !== undefined && episode.openedAt <= window.to ? { openedAt: episode.openedAt } : {}),
      ...(episode.endedAt !== undefined && episode.endedAt <= window.to ? { endedAt: episode.endedAt } : {}),
      status: statusAt(episode, window.to),
      // Values and evidence are the item's current ones: only the current episode's are kept.
      ...(episode.episode === item.episode ? { values: item.values, evidence: item.evidence } : {}),
    }));
}

