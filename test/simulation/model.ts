/**
 * The simulation's model: what a client that sent these deliveries may expect
 * from the hub, written as plainly as possible and independently of the hub's
 * code (no evolveEntityView, no deepMerge), so the two can disagree.
 */

export const SOURCES = ['erp', 'crm', 'billing'] as const;
export const ORDERS = ['SO-1', 'SO-2', 'SO-3'] as const;
export const STATUSES = ['OPEN', 'open', 'shipped', 'done', 'COMPLETED'] as const;

export type Source = (typeof SOURCES)[number];
export type OrderId = (typeof ORDERS)[number];

/** What a source system reports; the command turns it into an envelope with the next id and sequence. */
export interface Report {
  readonly source: Source;
  readonly order: OrderId;
  /** `order.created` (full state) or `order.status-changed` (a change). */
  readonly full: boolean;
  readonly status: (typeof STATUSES)[number];
  /** Whether the report carries a sourceSequence. */
  readonly sequenced: boolean;
  /** Bad input the hub must refuse and keep: none, a contract violation, or an envelope error. */
  readonly defect: 'none' | 'contract' | 'envelope';
}

/** Source of the hub's own events (quarantine.replayed, …): in the log, never in an entity view. */
export const HUB_SOURCE = 'concord';

export interface Envelope {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: { readonly type: string; readonly id: string };
  readonly occurredAt: string;
  readonly sourceSequence?: number;
  readonly data: Record<string, unknown>;
}

/** An event the hub acknowledged, where the model says it must sit. */
export interface Accepted {
  readonly envelope: Envelope;
  readonly position: number;
  readonly recordedAt: string;
  /** Later deliveries of the same event (each must be answered `duplicate` and counted, never stored). */
  redeliveries: number;
}

export interface ExpectedQuarantine {
  readonly reason: string;
  readonly eventId: string | undefined;
  attempts: number;
  status: 'open' | 'resolved';
  /** Replays of the entry (each one also a `quarantine.replayed` event in the log). */
  replays: number;
  /** What the producer meant to send: the corrected payload an operator replays. */
  readonly corrected: Envelope;
}

type Fields = Record<string, unknown>;

export interface ModelSourceView {
  state: Fields;
  lastEventId: string;
  lastSeenAt: string;
  lastOccurredAt: string;
  lastPosition: number;
  sourceSequence?: number;
  events: number;
  staleEvents: number;
}

export interface ModelEntityView {
  subject: { type: string; id: string };
  version: number;
  lastEventAt: string;
  lastPosition: number;
  state: Fields;
  sources: Record<string, ModelSourceView>;
}

export class SimulationModel {
  /** Acknowledged events by position (1-based, must stay gap-free). */
  readonly log = new Map<number, Accepted>();
  readonly byId = new Map<string, Accepted>();
  /** Refused inputs by their raw JSON: the hub keeps one entry per input and reason, counting attempts. */
  readonly quarantine = new Map<string, ExpectedQuarantine>();
  /** Every envelope the client produced (accepted or refused), for redeliveries. */
  readonly sent: Envelope[] = [];
  /** Highest sourceSequence handed out per source+order (what a DeliverLate goes below). */
  readonly sequences = new Map<string, number>();
  private nextEvent = 0;

  nextId(source: string): string {
    return `${source}-evt-${this.nextEvent++}`;
  }

  nextSequence(source: string, order: string, by = 1): number {
    const key = `${source}/${order}`;
    const next = (this.sequences.get(key) ?? -1) + by;
    this.sequences.set(key, next);
    return next;
  }

  lastSequence(source: string, order: string): number | undefined {
    return this.sequences.get(`${source}/${order}`);
  }

  get head(): number {
    return this.log.size;
  }

  accept(envelope: Envelope, position: number, recordedAt: string): void {
    if (this.log.has(position)) throw new Error(`model: position ${position} given to ${envelope.id} is taken by ${this.log.get(position)!.envelope.id}`);
    if (this.byId.has(envelope.id)) throw new Error(`model: ${envelope.id} acknowledged as new a second time`);
    const accepted: Accepted = { envelope, position, recordedAt, redeliveries: 0 };
    this.log.set(position, accepted);
    this.byId.set(envelope.id, accepted);
  }

  /** A refusal is kept once per input and reason; the same input refused again counts an attempt and reopens the entry. */
  refuse(raw: string, reason: string, eventId: string | undefined, corrected: Envelope): void {
    const existing = this.quarantine.get(raw);
    if (existing && existing.reason === reason) {
      existing.attempts++;
      existing.status = 'open';
    } else {
      this.quarantine.set(raw, { reason, eventId, attempts: 1, status: 'open', replays: 0, corrected });
    }
  }

  streamOf(envelope: Envelope): string {
    return `${envelope.subject.type}-${envelope.subject.id}`;
  }

  /** The revision the next event of this stream gets. */
  nextRevision(stream: string): number {
    let revision = 0;
    for (const { envelope } of this.log.values()) if (this.streamOf(envelope) === stream) revision++;
    return revision;
  }

  /** Events in log order; throws when a position is missing (the log must be gap-free). */
  ordered(): Accepted[] {
    const out: Accepted[] = [];
    for (let position = 1; position <= this.log.size; position++) {
      const event = this.log.get(position);
      if (!event) throw new Error(`model: no event at position ${position} of ${this.log.size}`);
      out.push(event);
    }
    return out;
  }

  /** Every entity view, keyed `order/<id>`, folded the simple way. */
  entityViews(): Map<string, ModelEntityView> {
    const views = new Map<string, ModelEntityView>();
    const revisions = new Map<string, number>();
    for (const { envelope, position, recordedAt } of this.ordered()) {
      if (envelope.source === HUB_SOURCE) continue;
      const key = `order/${envelope.subject.id}`;
      const version = (revisions.get(key) ?? 0) + 1;
      revisions.set(key, version);
      const view = views.get(key) ?? { subject: { type: 'order', id: envelope.subject.id }, version: 0, lastEventAt: '', lastPosition: 0, state: {}, sources: {} };
      view.version = version;
      view.lastEventAt = recordedAt;
      view.lastPosition = position;
      const own = view.sources[envelope.source];
      const stale = own?.sourceSequence !== undefined && envelope.sourceSequence !== undefined && envelope.sourceSequence <= own.sourceSequence;
      if (own && stale) {
        own.events++;
        own.staleEvents++;
      } else {
        // Only `total` is nested, and every report carries all of it: a shallow merge is the whole merge here.
        const full = envelope.type === 'order.created';
        const next: ModelSourceView = {
          state: full ? { ...envelope.data } : { ...own?.state, ...envelope.data },
          lastEventId: envelope.id,
          lastSeenAt: recordedAt,
          lastOccurredAt: envelope.occurredAt,
          lastPosition: position,
          events: (own?.events ?? 0) + 1,
          staleEvents: own?.staleEvents ?? 0,
        };
        const sequence = envelope.sourceSequence ?? own?.sourceSequence;
        if (sequence !== undefined) next.sourceSequence = sequence;
        view.sources[envelope.source] = next;
        view.state = { ...view.state, ...envelope.data };
      }
      views.set(key, view);
    }
    return views;
  }
}
