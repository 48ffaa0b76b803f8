import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { HUB_SOURCE, type ActorRef, type SubjectRef } from '@concord/contracts';
import { IngestEventsCommand, type IngestResult } from '../ingest/ingest-events.command';

/** A fact the hub itself states (an audit record, an integration event), before it becomes an envelope. */
export interface HubEvent {
  /**
   * Derived from what the event is about (e.g. `recon:<item>:opened:<n>`), never
   * random, so that stating the same fact again after a restart or a rebuild is
   * a `duplicate` of the stored event, not a second one.
   */
  readonly id: string;
  readonly type: string;
  readonly subject: SubjectRef;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
  readonly actor?: ActorRef;
  readonly correlationId?: string;
  readonly causationId?: string;
}

export interface RecordedHubEvent {
  readonly id: string;
  readonly status: 'appended' | 'duplicate';
  readonly position: number;
}

/** The hub refused one of its own events: a contract and its producer disagree, which is a bug to surface, not to skip. */
export class HubEventRefusedError extends Error {
  constructor(
    readonly eventId: string,
    readonly type: string,
    readonly reason: string,
    detail: string,
  ) {
    super(`the hub's own ${type} event ${eventId} was refused (${reason}): ${detail}`);
    this.name = 'HubEventRefusedError';
  }
}

/**
 * Appends the hub's own events (source `concord`) through the same ingest
 * command as every delivery: validated against the catalog's contracts,
 * deduplicated by id, durably stored and visible to projections and to the
 * outbound publisher like any other event. Quarantine replay, reconciliation
 * and stuck flows share it so they cannot drift apart.
 */
@Injectable()
export class HubEventRecorder {
  constructor(private readonly commands: CommandBus) {}

  /**
   * Records the events in one ingest call; resolves once all are durable.
   * `component` names the part of the hub that states them (kept on the
   * stored transport, for the audit trail).
   */
  async record(component: string, events: readonly HubEvent[]): Promise<RecordedHubEvent[]> {
    if (events.length === 0) return [];
    const transport = { kind: 'internal' as const, component };
    const items = events.map((event) => ({ payload: toEnvelope(event), transport }));
    const results = (await this.commands.execute(new IngestEventsCommand(items))) as IngestResult[];
    return results.map((result, i) => {
      const event = events[i]!;
      if (result.status === 'rejected') throw new HubEventRefusedError(event.id, event.type, result.reason, result.message);
      return { id: result.id, status: result.status, position: result.position };
    });
  }

  async recordOne(component: string, event: HubEvent): Promise<RecordedHubEvent> {
    const [recorded] = await this.record(component, [event]);
    return recorded!;
  }
}

function toEnvelope(event: HubEvent): Record<string, unknown> {
  return {
    id: event.id,
    source: HUB_SOURCE,
    type: event.type,
    subject: event.subject,
    occurredAt: event.occurredAt,
    ...(event.actor ? { actor: event.actor } : {}),
    ...(event.correlationId !== undefined ? { correlationId: event.correlationId } : {}),
    ...(event.causationId !== undefined ? { causationId: event.causationId } : {}),
    data: event.data,
  };
}
