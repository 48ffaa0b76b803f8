import { Inject, Optional } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { checkEnvelope, HUB_SOURCE, streamNameOf, type ContractRegistry, type EventEnvelope, type FieldError } from '@concord/contracts';
import { EVENT_STORE, type AppendRequest, type EventStore, type Transport } from '@concord/event-store';
import { KEY_VAULT, type KeyVault } from '@concord/personal-data';
import { QUARANTINE_STORE, type QuarantineInput, type QuarantineStore } from '@concord/quarantine';
import { sealPersonalData } from '../privacy/seal-personal-data';
import { CONTRACT_REGISTRY } from '../storage/storage.module';
import { INGEST_OBSERVER, IngestEventsCommand, type IngestItem, type IngestObserver, type IngestRejectionReason, type IngestResult } from './ingest-events.command';

interface Refusal {
  readonly index: number;
  readonly rejection: { readonly reason: IngestRejectionReason; readonly message: string; readonly errors: readonly FieldError[] };
}

@CommandHandler(IngestEventsCommand)
export class IngestEventsHandler implements ICommandHandler<IngestEventsCommand, IngestResult[]> {
  constructor(
    @Inject(CONTRACT_REGISTRY) private readonly registry: ContractRegistry,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
    @Inject(KEY_VAULT) private readonly keys: KeyVault,
    @Optional() @Inject(INGEST_OBSERVER) private readonly observer?: IngestObserver,
  ) {}

  async execute({ items }: IngestEventsCommand): Promise<IngestResult[]> {
    const results: IngestResult[] = new Array(items.length);
    const refusals: Refusal[] = [];
    const accepted: Array<{ index: number; envelope: EventEnvelope; transport: Transport }> = [];

    items.forEach((item, index) => {
      const forbidden = sourceRefusal(item);
      if (forbidden) {
        refusals.push({ index, rejection: forbidden });
        return;
      }
      const verdict = checkEnvelope(this.registry, item.payload);
      if (verdict.ok) accepted.push({ index, envelope: verdict.envelope, transport: item.transport });
      else refusals.push({ index, rejection: verdict.rejection });
    });

    const appendStarted = performance.now();
    // Personal fields are sealed before the append, so the hash the log computes covers the ciphertext.
    const sealed = await sealPersonalData(this.registry, this.keys, this.store, accepted.map(({ envelope }) => envelope));
    const requests: AppendRequest[] = accepted.map(({ transport }, i) => ({
      stream: streamNameOf(sealed[i]!.subject),
      events: [{ envelope: sealed[i]!, transport }],
    }));
    const appendResults = requests.length > 0 ? await this.store.appendMany(requests) : [];
    const appendSeconds = (performance.now() - appendStarted) / 1000;

    appendResults.forEach((result, i) => {
      const { index, envelope } = accepted[i]!;
      if (result.ok) {
        const [event] = result.events;
        results[index] = { index, id: envelope.id, status: event!.status, position: event!.position, stream: event!.stream, revision: event!.revision };
        return;
      }
      if (result.reason !== 'id-reused-with-different-content') {
        // Ingestion appends with expectedRevision 'any'; anything else is a bug, not bad input.
        throw new Error(`unexpected append refusal for ${envelope.id}: ${result.reason}`);
      }
      const message = `event id ${envelope.id} is already stored at position ${result.existing.position} with different content`;
      refusals.push({ index, rejection: { reason: 'id-reused-with-different-content', message, errors: [{ field: 'id', message }] } });
    });

    if (refusals.length > 0) {
      // A replayed item's refusal belongs to its existing entry; everything else is kept as a new one.
      const fresh = refusals.filter(({ index }) => items[index]!.replayOf === undefined);
      const entries = await this.quarantine.recordMany(fresh.map(({ index, rejection }) => toQuarantineInput(items[index]!, rejection)));
      const quarantineIds = new Map(fresh.map(({ index }, i) => [index, entries[i]!.id]));
      refusals.forEach(({ index, rejection }) => {
        const id = idOf(items[index]!.payload);
        results[index] = {
          index,
          ...(id !== undefined ? { id } : {}),
          status: 'rejected',
          reason: rejection.reason,
          message: rejection.message,
          errors: rejection.errors,
          quarantineId: quarantineIds.get(index) ?? items[index]!.replayOf!,
        };
      });
    }
    this.observer?.observe({ items, results, appendSeconds });
    return results;
  }
}

/** A connector key publishes only for its own sources; the refusal names the source. */
function sourceRefusal(item: IngestItem): Refusal['rejection'] | undefined {
  if (item.payload === null || typeof item.payload !== 'object') return undefined;
  const source = (item.payload as Record<string, unknown>).source;
  if (source === HUB_SOURCE && item.transport.kind !== 'internal') {
    const message = `source ${HUB_SOURCE} is reserved for the hub's own records`;
    return { reason: 'source-not-allowed', message, errors: [{ field: 'source', message }] };
  }
  if (!item.allowedSources) return undefined;
  if (typeof source !== 'string' || item.allowedSources.includes(source)) return undefined;
  const shown = JSON.stringify(source.slice(0, 64));
  const message = `this key may not publish events from source ${shown}; it may publish for: ${item.allowedSources.join(', ')}`;
  return { reason: 'source-not-allowed', message, errors: [{ field: 'source', message }] };
}

function toQuarantineInput({ payload, transport, original }: IngestItem, rejection: Refusal['rejection']): QuarantineInput {
  const record = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  return {
    reason: rejection.reason,
    message: rejection.message,
    errors: rejection.errors,
    raw: original?.raw ?? serializeForQuarantine(payload),
    ...(original?.headers ? { headers: original.headers } : {}),
    transport,
    ...stringField('source', record.source),
    ...stringField('eventId', record.id),
    ...stringField('eventType', record.type),
  };
}

/** Nesting kept in a quarantined copy; deeper parts are cut (JSON.stringify would overflow the stack on a 10,000-deep item). */
const QUARANTINE_KEEP_DEPTH = 64;

export function serializeForQuarantine(payload: unknown): string {
  const depths = new WeakMap<object, number>();
  const text = JSON.stringify(payload, function (this: unknown, _key: string, value: unknown) {
    if (value === null || typeof value !== 'object') return value;
    const depth = (this !== null && typeof this === 'object' ? (depths.get(this) ?? 0) : 0) + 1;
    if (depth > QUARANTINE_KEEP_DEPTH) return `[cut: nested deeper than ${QUARANTINE_KEEP_DEPTH} levels]`;
    depths.set(value, depth);
    return value;
  });
  return text ?? String(payload);
}

function stringField<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' && value.length <= 200 ? ({ [key]: value } as Record<K, string>) : {};
}

function idOf(payload: unknown): string | undefined {
  const id = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>).id : undefined;
  return typeof id === 'string' && id.length <= 200 ? id : undefined;
}
