/** The most events one request may carry. */
export const MAX_EVENTS_PER_REQUEST = 1000;
/** The largest request body, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What the content parser hands over instead of a document when the body as a
 * whole cannot be answered item by item (not JSON, not UTF-8, nested too deep,
 * not JSON at all). It carries the bytes as received so they can be quarantined.
 */
export class RefusedBody {
  constructor(
    /** The body as received: text when it is valid UTF-8, base64 otherwise (the message says which). */
    readonly raw: string,
    readonly reason: 'malformed-json' | 'unsafe-json' | 'unsupported-media-type',
    readonly problem: string,
    readonly status: 400 | 415,
  ) {}
}

export type IngestBody =
  | { readonly ok: true; readonly items: readonly unknown[]; readonly batch: boolean }
  | { readonly ok: false; readonly status: 400 | 413; readonly reason: 'not-an-object' | 'invalid-batch'; readonly message: string };

/**
 * One envelope, or `{ "events": [ … ] }` with 1..1000 envelopes. Whether each
 * item is a good event is decided per item later; this only decides whether the
 * body has a shape we can answer item by item.
 */
export function readIngestBody(body: unknown): IngestBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, status: 400, reason: 'not-an-object', message: 'the body must be one event object or {"events": [ … ]}' };
  }
  const record = body as Record<string, unknown>;
  if (!('events' in record)) return { ok: true, items: [record], batch: false };
  const extra = Object.keys(record).filter((key) => key !== 'events');
  if (extra.length > 0) {
    return { ok: false, status: 400, reason: 'invalid-batch', message: `a batch has only "events"; unexpected: ${extra.slice(0, 5).join(', ')}` };
  }
  const events = record.events;
  if (!Array.isArray(events)) return { ok: false, status: 400, reason: 'invalid-batch', message: '"events" must be an array of event objects' };
  if (events.length === 0) return { ok: false, status: 400, reason: 'invalid-batch', message: '"events" must hold at least one event' };
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return { ok: false, status: 413, reason: 'invalid-batch', message: `a batch holds at most ${MAX_EVENTS_PER_REQUEST} events; got ${events.length}` };
  }
  return { ok: true, items: events, batch: true };
}
