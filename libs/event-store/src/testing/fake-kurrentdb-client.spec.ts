import {
  BACKWARDS,
  END,
  jsonEvent,
  NO_STREAM,
  streamNameFilter,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import { FakeKurrentClient } from './fake-kurrentdb-client';

const idOf = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const event = (n: number, data: Record<string, unknown> = { n }) => jsonEvent({ id: idOf(n), type: 'thing-happened', data });

async function all<T>(read: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
}

/** The fake's semantics, pinned to what the client documents, so the adapter's tests rest on them knowingly. */
describe('FakeKurrentClient (test double of EventStoreDBClient)', () => {
  it('throws the client\'s WrongExpectedVersionError with the stream, expected and actual revision', async () => {
    const client = new FakeKurrentClient();
    await client.appendToStream('s', [event(1)], { expectedRevision: NO_STREAM });

    const error = await client.appendToStream('s', [event(2)], { expectedRevision: NO_STREAM }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamName: 's', expectedVersion: NO_STREAM, actualVersion: 0n });
  });

  it('answers a repeated append at the same expected revision as a success without writing it again', async () => {
    const client = new FakeKurrentClient();
    const first = await client.appendToStream('s', [event(1), event(2)], { expectedRevision: NO_STREAM });
    const again = await client.appendToStream('s', [event(1), event(2)], { expectedRevision: NO_STREAM });

    expect(again).toEqual(first);
    expect(await all(client.readStream('s'))).toHaveLength(2);
    await expect(client.appendToStream('s', [event(1), event(3)], { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(WrongExpectedVersionError);
  });

  it('fails the iteration of a missing stream with StreamNotFoundError', async () => {
    await expect(all(new FakeKurrentClient().readStream('missing'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reads a stream backwards from its end', async () => {
    const client = new FakeKurrentClient();
    await client.appendToStream('s', [event(1), event(2), event(3)]);
    const read = await all(client.readStream('s', { fromRevision: END, direction: BACKWARDS, maxCount: 2 }));
    expect(read.map((r) => r.event?.revision)).toEqual([2n, 1n]);
  });

  it('reads $all forwards from a position inclusively and backwards exclusively', async () => {
    const client = new FakeKurrentClient();
    await client.appendToStream('s', [event(1), event(2), event(3)]);
    const records = (await all(client.readAll())).filter((r) => r.event?.streamId === 's');
    const middle = records[1]!.event!.position;

    const forwards = await all(client.readAll({ fromPosition: middle }));
    const backwards = await all(client.readAll({ fromPosition: middle, direction: BACKWARDS }));

    expect(forwards.map((r) => r.event?.id)).toEqual([idOf(2), idOf(3)]);
    expect(backwards[0]!.event!.id).toBe(idOf(1));
  });

  it('subscribes after a position, filtered, catching up and then live', async () => {
    const client = new FakeKurrentClient();
    await client.appendToStream('s', [event(1), event(2)]);
    await client.appendToStream('$system', [event(9)]);
    const [first] = (await all(client.readAll())).filter((r) => r.event?.streamId === 's');
    const subscription = client.subscribeToAll({ fromPosition: first!.event!.position, filter: streamNameFilter({ regex: '^[^$]' }) });
    const received: AllStreamResolvedEvent[] = [];
    subscription.on('data', (resolved: AllStreamResolvedEvent) => received.push(resolved));

    await new Promise((resolve) => setImmediate(resolve));
    await client.appendToStream('s', [event(3)]);
    await client.appendToStream('$system', [event(10)]);
    await subscription.unsubscribe();

    expect(received.map((r) => r.event?.id)).toEqual([idOf(2), idOf(3)]);
  });

  it('stores JSON, not object references, and drops undefined members', async () => {
    const client = new FakeKurrentClient();
    const data = { a: 1, gone: undefined, nested: { b: 2 } };
    await client.appendToStream('s', [event(1, data)]);
    data.nested.b = 99;

    const [read] = await all(client.readStream('s'));

    expect(read!.event!.data).toEqual({ a: 1, nested: { b: 2 } });
    expect('gone' in (read!.event!.data as object)).toBe(false);
  });

  it('refuses event ids that are not UUIDs, like the server', async () => {
    const client = new FakeKurrentClient();
    await expect(client.appendToStream('s', [jsonEvent({ id: 'erp-1', type: 't', data: {} })])).rejects.toThrow(/not a UUID/);
  });
});
