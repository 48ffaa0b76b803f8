import { HUB_SOURCE } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import type { ProjectionDefinition } from '@concord/projections';

export const DEFAULT_OUTBOUND_TOPIC = 'concord.integration-events';
/** What the hub publishes by default: reconciliation findings, flow alerts and quarantine replays. */
export const DEFAULT_OUTBOUND_TYPES = 'reconciliation.item-*,flow.*,quarantine.replayed';
export const OUTBOX_PROJECTION = 'kafka-outbox';

/** One integration event on its way out, in kafkajs' producer shape. */
export interface OutboundMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where integration events go. `publish` resolves once the broker has them (all in-sync replicas). */
export interface IntegrationEventSink {
  publish(messages: readonly OutboundMessage[]): Promise<void>;
}

/**
 * `reconciliation.item-*,flow.*,quarantine.replayed` → a test on an event type.
 * A `*` matches any run of characters; everything else is literal.
 */
export function typeMatcher(patterns: string): (type: string) => boolean {
  const regexes = patterns
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`));
  return (type) => regexes.some((r) => r.test(type));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Only the hub's own records leave as integration events; what producers sent is theirs, not ours to re-publish. */
export function isIntegrationEvent(event: StoredEvent, matchesType: (type: string) => boolean): boolean {
  return event.source === HUB_SOURCE && matchesType(event.type);
}

/**
 * The public shape of an integration event: the envelope, where the log put it
 * (`position`, `recordedAt`, `hash` for those who verify), and not how it was
 * recorded internally (transport, chain links). Keyed by subject, so one
 * subject's events stay in order in one partition; `id` is stable, so a
 * consumer that sees a repeat (after a publisher restart) can drop it.
 */
export function toOutboundMessage(event: StoredEvent): OutboundMessage {
  const value = {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    source: event.source,
    subject: { type: event.subject.type, id: event.subject.id },
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    position: event.position,
    ...(event.correlationId !== undefined ? { correlationId: event.correlationId } : {}),
    ...(event.causationId !== undefined ? { causationId: event.causationId } : {}),
    data: event.data,
    hash: event.hash,
  };
  return {
    key: `${event.subject.type}/${event.subject.id}`,
    value: JSON.stringify(value),
    headers: { 'concord-event-id': event.id, 'concord-event-type': event.type, 'concord-position': String(event.position) },
  };
}

/**
 * The outbox publisher as a projection of the global log: it reads from its
 * stored checkpoint, publishes the integration events it meets, and the runner
 * moves the checkpoint only after `publish` resolved. So a restart neither
 * loses an event (not yet checkpointed: published again) nor invents one (the
 * log is the only source). The cost is at-least-once: a crash between publish
 * and checkpoint repeats that batch's events, with the same ids. It runs under
 * the projection lease, so one instance publishes at a time; a sink outage
 * (StoreUnavailableError) pauses it at its checkpoint and it retries, and
 * anything else stops it with the reason, like any projection.
 */
export function outboxProjection(options: { readonly sink: IntegrationEventSink; readonly types: string }): ProjectionDefinition {
  const matchesType = typeMatcher(options.types);
  return {
    name: OUTBOX_PROJECTION,
    version: 1,
    collections: [],
    async apply(event) {
      if (!isIntegrationEvent(event, matchesType)) return;
      await options.sink.publish([toOutboundMessage(event)]);
    },
  };
}
