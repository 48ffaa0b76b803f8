import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@concord/common';
import { orderStatusChangedV1, type EventEnvelope } from '@concord/contracts';
import { EnvelopeBuilder } from './envelopes';
import { HttpPublisher, type HttpPublisherOptions } from './http-publisher';

/** What the fake hub saw of one request. */
interface Seen {
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly ids: string[];
}

type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang-up' | 'never-answer';
type Script = (request: Seen, stored: Set<string>) => Reply;

/** Answers like the hub does: appended the first time an id is seen, duplicate after. */
const hubLike: Script = (request, stored) => ({ status: 200, body: JSON.stringify({ results: request.ids.map((id, index) => hubResult(stored, id, index)) }) });

function hubResult(stored: Set<string>, id: string, index: number) {
  const status = stored.has(id) ? 'duplicate' : 'appended';
  stored.add(id);
  return { index, id, status, position: [...stored].indexOf(id) + 1, stream: 'order-SO-1', revision: 0 };
}

/** A local HTTP server that plays the hub from a script: one reply per request, then hub-like answers. */
class FakeHub {
  readonly requests: Seen[] = [];
  readonly stored = new Set<string>();
  private server!: Server;
  private readonly replies: Script[];

  constructor(replies: Script[] = []) {
    this.replies = [...replies];
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const ids = (JSON.parse(body) as { events: { id: string }[] }).events.map((e) => e.id);
    const seen: Seen = { authorization: req.headers.authorization, contentType: req.headers['content-type'], body, ids };
    this.requests.push(seen);
    const reply = (this.replies.shift() ?? hubLike)(seen, this.stored);
    if (reply === 'never-answer') return;
    if (reply === 'hang-up') {
      res.socket?.destroy();
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body ?? '');
  }
}

const builder = new EnvelopeBuilder('erp');
function events(count: number, extra = ''): EventEnvelope<object>[] {
  return Array.from({ length: count }, (_, i) =>
    builder.build(orderStatusChangedV1, { subjectId: `SO-${i}`, version: 1, occurredAt: '2026-11-21T10:00:00Z', data: { status: `S${extra}` } }),
  );
}

describe('HttpPublisher', () => {
  let hub: FakeHub;
  let sleeps: number[];

  async function publisherFor(fake: FakeHub, options: Partial<HttpPublisherOptions> = {}): Promise<HttpPublisher> {
    hub = fake;
    const url = await fake.start();
    return new HttpPublisher({
      url,
      apiKey: 'key-123',
      random: { next: () => 0.5 },
      clock: new ManualClock('2026-11-21T10:00:00.000Z'),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      retry: { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 4 },
      ...options,
    });
  }

  beforeEach(() => {
    sleeps = [];
  });

  afterEach(async () => {
    await hub?.stop();
  });

  it('posts a batch with the key and gives one result per event, in order', async () => {
    const publisher = await publisherFor(new FakeHub());
    const batch = events(3);
    const results = await publisher.publish(batch);
    expect(hub.requests).toHaveLength(1);
    expect(hub.requests[0]!.authorization).toBe('Bearer key-123');
    expect(hub.requests[0]!.contentType).toBe('application/json');
    expect(JSON.parse(hub.requests[0]!.body)).toEqual({ events: batch });
    expect(results.map((r) => [r.index, r.id, r.status])).toEqual(batch.map((e, i) => [i, e.id, 'appended']));
    expect(results[0]).toMatchObject({ position: 1, stream: 'order-SO-1', revision: 0 });
  });

  it('passes the hub’s per-event verdicts through: duplicate and rejected with reason and quarantine id', async () => {
    const reply: Script = (request) => ({
      status: 200,
      body: JSON.stringify({
        results: [
          { index: 0, id: request.ids[0], status: 'duplicate', position: 9, stream: 'order-SO-0', revision: 2 },
          { index: 1, id: request.ids[1], status: 'rejected', reason: 'contract-violation', message: 'data.status must be a string', errors: [{ field: 'data.status', message: 'data.status must be a string' }], quarantineId: 'q-1' },
        ],
      }),
    });
    const publisher = await publisherFor(new FakeHub([reply]));
    const results = await publisher.publish(events(2));
    expect(results[0]).toMatchObject({ status: 'duplicate', position: 9, revision: 2 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: 'contract-violation', quarantineId: 'q-1', errors: [{ field: 'data.status' }] });
    expect(hub.requests).toHaveLength(1); // a refusal is final: no retry
  });

  it('retries 503 after the Retry-After it names, sending the very same bytes (same ids)', async () => {
    const publisher = await publisherFor(new FakeHub([() => ({ status: 503, headers: { 'retry-after': '2' }, body: '{"message":"write queue full"}' })]));
    const results = await publisher.publish(events(2));
    expect(hub.requests).toHaveLength(2);
    expect(hub.requests[1]!.body).toBe(hub.requests[0]!.body);
    expect(sleeps).toEqual([2000]);
    expect(results.map((r) => r.status)).toEqual(['appended', 'appended']);
  });

  it('honours a 429 Retry-After given as an HTTP-date, against the injected clock', async () => {
    const publisher = await publisherFor(new FakeHub([() => ({ status: 429, headers: { 'retry-after': 'Sat, 21 Nov 2026 10:00:07 GMT' } })]));
    await publisher.publish(events(1));
    expect(sleeps).toEqual([7000]);
  });

  it('backs off exponentially with jitter when no Retry-After is given, and ignores an unreadable one', async () => {
    const fail: Script = () => ({ status: 500, headers: { 'retry-after': 'later' } });
    const publisher = await publisherFor(new FakeHub([fail, fail, fail]));
    const results = await publisher.publish(events(1));
    // random 0.5 of ceilings 100, 200, 400
    expect(sleeps).toEqual([50, 100, 200]);
    expect(results[0]!.status).toBe('appended');
  });

  it('turns a lost answer into a duplicate on retry: the hub stored it once', async () => {
    const storeThenHangUp: Script = (request, stored) => {
      request.ids.forEach((id, i) => hubResult(stored, id, i));
      return 'hang-up';
    };
    const publisher = await publisherFor(new FakeHub([storeThenHangUp]));
    const results = await publisher.publish(events(2));
    expect(hub.requests).toHaveLength(2);
    expect(hub.requests[1]!.ids).toEqual(hub.requests[0]!.ids);
    expect(results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(hub.stored.size).toBe(2);
  });

  it('retries an attempt that times out', async () => {
    const publisher = await publisherFor(new FakeHub([() => 'never-answer']), { requestTimeoutMs: 200 });
    const results = await publisher.publish(events(1));
    expect(hub.requests).toHaveLength(2);
    expect(results[0]!.status).toBe('appended');
  });

  it.each<[string, Script]>([
    ['not JSON', () => ({ status: 200, body: '<html>proxy error</html>' })],
    ['no results', () => ({ status: 200, body: '{}' })],
    ['too few results', (r) => ({ status: 200, body: JSON.stringify({ results: [{ index: 0, id: r.ids[0], status: 'appended', position: 1, stream: 's', revision: 0 }] }) })],
    ['results for other ids', (r) => ({ status: 200, body: JSON.stringify({ results: r.ids.map((_, index) => ({ index, id: `other-${index}`, status: 'appended', position: 1, stream: 's', revision: 0 })) }) })],
    ['results out of order', (r) => ({ status: 200, body: JSON.stringify({ results: r.ids.map((id, index) => ({ index: 1 - index, id, status: 'appended', position: 1, stream: 's', revision: 0 })) }) })],
    ['an unknown status', (r) => ({ status: 200, body: JSON.stringify({ results: r.ids.map((id, index) => ({ index, id, status: 'stored', position: 1, stream: 's', revision: 0 })) }) })],
    ['an appended result without a position', (r) => ({ status: 200, body: JSON.stringify({ results: r.ids.map((id, index) => ({ index, id, status: 'appended' })) }) })],
    ['a null result', () => ({ status: 200, body: '{"results":[null,null]}' })],
  ])('does not believe a 200 answer with %s: it sends again', async (_name, bad) => {
    const publisher = await publisherFor(new FakeHub([bad]));
    const results = await publisher.publish(events(2));
    expect(hub.requests).toHaveLength(2);
    expect(results.map((r) => r.status)).toEqual(['appended', 'appended']);
  });

  it('gives up after maxAttempts with a retriable failure per event that says why', async () => {
    const down: Script = () => ({ status: 502, body: 'bad gateway' });
    const publisher = await publisherFor(new FakeHub([down, down, down, down]));
    const results = await publisher.publish(events(2));
    expect(hub.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    for (const result of results) {
      expect(result).toMatchObject({ status: 'failed', reason: 'unavailable', attempts: 4, retriable: true });
      expect(result.status === 'failed' && result.message).toMatch(/gave up after 4 attempts: HTTP 502: bad gateway/);
    }
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [400, 'request-refused'],
    [413, 'request-refused'],
    [415, 'request-refused'],
    [404, 'request-refused'],
  ])('does not retry %i: every event fails with %s, not retriable', async (status, reason) => {
    const publisher = await publisherFor(new FakeHub([() => ({ status, body: '{"message":"no"}' })]));
    const results = await publisher.publish(events(2));
    expect(hub.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    for (const result of results) expect(result).toMatchObject({ status: 'failed', reason, attempts: 1, retriable: false });
  });

  it('splits into requests of at most 1,000 events, in order', async () => {
    const publisher = await publisherFor(new FakeHub());
    const batch = events(2500);
    const results = await publisher.publish(batch);
    expect(hub.requests.map((r) => r.ids.length)).toEqual([1000, 1000, 500]);
    expect(hub.requests.flatMap((r) => r.ids)).toEqual(batch.map((e) => e.id));
    expect(results.every((r, i) => r.index === i && r.id === batch[i]!.id && r.status === 'appended')).toBe(true);
  });

  it('splits by body size and fails an event too large to send alone without sending it', async () => {
    const publisher = await publisherFor(new FakeHub(), { maxBodyBytes: 600 });
    const small = events(12);
    const huge = builder.build(orderStatusChangedV1, { subjectId: 'SO-big', version: 1, occurredAt: '2026-11-21T10:00:00Z', data: { status: 'x'.repeat(64), reason: 'y'.repeat(500) } });
    const batch = [...small.slice(0, 6), huge, ...small.slice(6)];
    const results = await publisher.publish(batch);
    for (const request of hub.requests) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(600);
    expect(hub.requests.flatMap((r) => r.ids)).toEqual(small.map((e) => e.id));
    expect(results[6]).toMatchObject({ index: 6, id: huge.id, status: 'failed', reason: 'request-refused', attempts: 0, retriable: false });
    expect(results.filter((r) => r.status === 'appended')).toHaveLength(12);
  });

  it('holds back later batches once one fails, so no subject’s newer events overtake its older ones', async () => {
    const publisher = await publisherFor(new FakeHub([hubLike, () => ({ status: 401 })]), { maxEventsPerRequest: 2 });
    const results = await publisher.publish(events(6));
    expect(hub.requests).toHaveLength(2);
    expect(results.map((r) => r.status)).toEqual(['appended', 'appended', 'failed', 'failed', 'failed', 'failed']);
    expect(results[4]).toMatchObject({ reason: 'unauthorized', attempts: 0, retriable: false });
    expect(results[4]!.status === 'failed' && results[4]!.message).toMatch(/^not sent: an earlier batch failed/);
  });

  it('reports each retry before waiting', async () => {
    const notices: unknown[] = [];
    const publisher = await publisherFor(new FakeHub([() => ({ status: 503, headers: { 'retry-after': '1' } })]), { onRetry: (n) => notices.push(n) });
    await publisher.publish(events(3));
    expect(notices).toEqual([{ attempt: 1, delayMs: 1000, events: 3, cause: 'HTTP 503' }]);
  });

  it('refuses a retry policy without attempts', () => {
    expect(() => new HttpPublisher({ url: 'http://x', apiKey: 'k', retry: { maxAttempts: 0 } })).toThrow(RangeError);
  });
});
