import { systemClock, type Clock } from '@concord/common';
import type { EventEnvelope } from '@concord/contracts';
import { parseRetryAfter } from './backoff';
import { Retrier, type Attempt, type RetryOptions } from './retrying';
import { failed, notSent, type EventPublisher, type FailedResult, type PublishResult, type RejectedResult } from './results';

/** The hub's own limits for POST /v1/events (README, HTTP API). */
const HUB_MAX_EVENTS_PER_REQUEST = 1000;
const HUB_MAX_BODY_BYTES = 1024 * 1024;
/** Room for the `{"events":[` … `]}` wrapper around the events. */
const BODY_MARGIN_BYTES = 16;

export interface HttpPublisherOptions extends RetryOptions {
  /** The hub's base URL, e.g. `http://localhost:3000`. */
  readonly url: string;
  /** A connector (or admin) key; sent as `Authorization: Bearer <key>`. */
  readonly apiKey: string;
  /** Reads HTTP-date Retry-After values. */
  readonly clock?: Clock;
  /** Per attempt; a timed-out attempt is retried like a network error. */
  readonly requestTimeoutMs?: number;
  readonly maxEventsPerRequest?: number;
  readonly maxBodyBytes?: number;
}

interface Chunk {
  /** Index of the chunk's first event in the caller's list. */
  readonly offset: number;
  readonly events: readonly EventEnvelope<object>[];
  readonly body: string;
}

/**
 * Publishes to the hub's POST /v1/events in batches. Every attempt of a batch
 * sends the same bytes, hence the same ids: a retry after a lost answer is
 * recognised by the hub as `duplicate`. Retries only what may succeed later
 * (429, 5xx, 408, network errors, timeouts, unreadable answers), waiting with
 * exponential backoff and full jitter, and never less than Retry-After. Within
 * one publish() call, batches go one after another, in order, so one subject's
 * events arrive in the order given; run several publishers over disjoint
 * subjects for more throughput.
 */
export class HttpPublisher implements EventPublisher {
  private readonly endpoint: string;
  private readonly retrier: Retrier;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxEvents: number;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: HttpPublisherOptions) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/v1/events`;
    this.retrier = new Retrier(options);
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxEvents = Math.min(options.maxEventsPerRequest ?? HUB_MAX_EVENTS_PER_REQUEST, HUB_MAX_EVENTS_PER_REQUEST);
    this.maxBodyBytes = Math.min(options.maxBodyBytes ?? HUB_MAX_BODY_BYTES, HUB_MAX_BODY_BYTES) - BODY_MARGIN_BYTES;
  }

  async publish(events: readonly EventEnvelope<object>[]): Promise<PublishResult[]> {
    const results: PublishResult[] = new Array<PublishResult>(events.length);
    const { chunks, oversized } = this.split(events);
    for (const index of oversized) {
      results[index] = failed(index, events[index]!.id, 'request-refused', `the event alone is over the ${this.maxBodyBytes}-byte body limit`, 0, false);
    }
    let stopped: FailedResult | undefined;
    for (const chunk of chunks) {
      // After a batch could not be delivered, later ones are held back: sending them would
      // put a subject's newer events ahead of its older ones.
      const chunkResults = stopped ? notSent(chunk.offset, chunk.events, stopped) : await this.send(chunk);
      for (const result of chunkResults) {
        results[result.index] = result;
        if (result.status === 'failed') stopped ??= result;
      }
    }
    return results;
  }

  async close(): Promise<void> {
    // Nothing held: fetch pools its connections itself.
  }

  /** Splits into requests within the hub's event-count and body-size limits, keeping the order. */
  private split(events: readonly EventEnvelope<object>[]): { chunks: Chunk[]; oversized: number[] } {
    const chunks: Chunk[] = [];
    const oversized: number[] = [];
    let parts: string[] = [];
    let members: EventEnvelope<object>[] = [];
    let offset = 0;
    let bytes = 0;
    const flush = (next: number): void => {
      if (members.length > 0) chunks.push({ offset, events: members, body: `{"events":[${parts.join(',')}]}` });
      parts = [];
      members = [];
      bytes = 0;
      offset = next;
    };
    events.forEach((event, index) => {
      const json = JSON.stringify(event);
      const size = Buffer.byteLength(json) + 1;
      if (size > this.maxBodyBytes) {
        flush(index + 1);
        oversized.push(index);
        return;
      }
      if (members.length === this.maxEvents || bytes + size > this.maxBodyBytes) flush(index);
      parts.push(json);
      members.push(event);
      bytes += size;
    });
    flush(events.length);
    return { chunks, oversized };
  }

  private async send(chunk: Chunk): Promise<PublishResult[]> {
    const settled = await this.retrier.run(chunk.events.length, () => this.attempt(chunk));
    if (settled.kind === 'answered') return settled.value;
    return chunk.events.map((event, i) => failed(chunk.offset + i, event.id, settled.reason, settled.message, settled.attempts, settled.retriable));
  }

  private async attempt(chunk: Chunk): Promise<Attempt<PublishResult[]>> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
        body: chunk.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return { kind: 'transient', reason: 'unavailable', message: `request failed: ${describe(error)}` };
    }
    const status = response.status;
    if (status === 200) return readResults(chunk, text);
    const detail = `HTTP ${status}${summaryOf(text)}`;
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.clock.now());
      return { kind: 'transient', reason: 'unavailable', message: detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (status === 401) return { kind: 'permanent', reason: 'unauthorized', message: detail };
    if (status === 403) return { kind: 'permanent', reason: 'forbidden', message: detail };
    return { kind: 'permanent', reason: 'request-refused', message: detail };
  }
}

const HUB_STATUSES = new Set(['appended', 'duplicate', 'rejected']);

/**
 * The hub's 200 answer, checked before it is believed: one result per event, in
 * order. Anything else is treated as no answer at all and the batch is sent
 * again, which the stable ids make harmless.
 */
function readResults(chunk: Chunk, text: string): Attempt<PublishResult[]> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'transient', reason: 'unavailable', message: `unreadable answer (not JSON)${summaryOf(text)}` };
  }
  const items = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(items) || items.length !== chunk.events.length) {
    return { kind: 'transient', reason: 'unavailable', message: `unreadable answer: expected ${chunk.events.length} results${summaryOf(text)}` };
  }
  const results: PublishResult[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown> | null;
    const event = chunk.events[i]!;
    const index = chunk.offset + i;
    if (item === null || typeof item !== 'object' || item.index !== i || !HUB_STATUSES.has(item.status as string) || (item.id !== undefined && item.id !== event.id)) {
      return { kind: 'transient', reason: 'unavailable', message: `unreadable answer: result ${i} does not describe event ${event.id}` };
    }
    if (item.status === 'rejected') {
      results.push({
        index,
        id: event.id,
        status: 'rejected',
        reason: item.reason as RejectedResult['reason'],
        message: String(item.message ?? ''),
        errors: Array.isArray(item.errors) ? (item.errors as { field: string; message: string }[]) : [],
        quarantineId: String(item.quarantineId),
      });
    } else {
      if (typeof item.position !== 'number' || typeof item.stream !== 'string' || typeof item.revision !== 'number') {
        return { kind: 'transient', reason: 'unavailable', message: `unreadable answer: result ${i} lacks position, stream or revision` };
      }
      results.push({ index, id: event.id, status: item.status as 'appended' | 'duplicate', position: item.position, stream: item.stream, revision: item.revision });
    }
  }
  return { kind: 'answered', value: results };
}

function summaryOf(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' ? '' : `: ${trimmed.slice(0, 200)}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
