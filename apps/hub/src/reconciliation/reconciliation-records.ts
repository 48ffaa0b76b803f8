import type { HubEvent } from '../hub-events/hub-event-recorder';
import type { ReconItem } from './reconciliation-model';
import { ITEM_OPENED, ITEM_RESOLVED } from './reconciliation.projection';

/**
 * The integration events of reconciliation, derived only from what the fold
 * decided (item, episode, the times and events recorded in the log), never from
 * the clock: stating one again after a restart, a lag or a rebuild yields the
 * same id and the same content, which the store answers with `duplicate`.
 */
export function openedRecord(item: ReconItem): HubEvent {
  return {
    id: `recon:${rulesHash(item.rulesVersion)}:${item.id}:opened:${item.episode}`,
    type: ITEM_OPENED,
    subject: { type: 'reconciliation', id: item.id },
    // The moment the disagreement outlived its grace, not the moment the sweeper noticed.
    occurredAt: item.dueAt,
    causationId: startEvidence(item),
    data: { ...refOf(item, item.episode), since: item.since, dueAt: item.dueAt, evidence: [...episodeStart(item)] },
  };
}

export function resolvedRecords(item: ReconItem): HubEvent[] {
  return item.announce.map((resolution) => ({
    id: `recon:${rulesHash(item.rulesVersion)}:${item.id}:resolved:${resolution.episode}`,
    type: ITEM_RESOLVED,
    subject: { type: 'reconciliation', id: item.id },
    occurredAt: resolution.at,
    causationId: resolution.by,
    data: { ...refOf(item, resolution.episode), resolvedAt: resolution.at, resolvedBy: resolution.by },
  }));
}

function refOf(item: ReconItem, episode: number): Record<string, unknown> {
  return {
    itemId: item.id,
    kind: item.kind,
    entityType: item.entityType,
    ...(item.subject ? { entityId: item.subject.id } : {}),
    ...(item.field !== undefined ? { field: item.field } : {}),
    ...(item.source !== undefined ? { source: item.source } : {}),
    episode,
    rulesVersion: item.rulesVersion,
  };
}

function rulesHash(version: string): string {
  return version.slice(version.lastIndexOf('@') + 1);
}

/** The evidence as it stood when the episode began (kept in its `disagreed` history entry's event and the item's first evidence). */
function episodeStart(item: ReconItem): readonly string[] {
  const began = item.history.find((entry) => entry.change === 'disagreed' && entry.episode === item.episode);
  return began?.evidence ?? item.evidence;
}

function startEvidence(item: ReconItem): string {
  return item.history.find((entry) => entry.change === 'disagreed' && entry.episode === item.episode)?.eventId ?? item.evidence[0] ?? item.id;
}
