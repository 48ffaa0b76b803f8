import { BACKWARDS, END, FORWARDS, StreamNotFoundError, type ReadPosition } from '@eventstore/db-client';
import type { KurrentClient } from './kurrent-client';
import type { KurrentRecord } from './kurrent-records';

/**
 * Reads are always bounded (`maxCount`) and drained to the end: breaking out of
 * the client's read stream early would leave its gRPC call open.
 */
export async function readStreamRecords(
  client: KurrentClient,
  stream: string,
  options: { fromRevision: bigint | typeof END; maxCount: number; backwards?: boolean },
): Promise<KurrentRecord[]> {
  const records: KurrentRecord[] = [];
  try {
    const read = client.readStream(stream, {
      fromRevision: options.fromRevision,
      maxCount: options.maxCount,
      direction: options.backwards ? BACKWARDS : FORWARDS,
    });
    for await (const resolved of read) {
      if (resolved.event) records.push(resolved.event);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return records;
}

/** The last event of a stream, or undefined when the stream does not exist. */
export async function readLastRecord(client: KurrentClient, stream: string): Promise<KurrentRecord | undefined> {
  const [last] = await readStreamRecords(client, stream, { fromRevision: END, maxCount: 1, backwards: true });
  return last;
}

export async function readAllRecords(
  client: KurrentClient,
  options: { fromPosition: ReadPosition; maxCount: number; backwards?: boolean },
): Promise<KurrentRecord[]> {
  const records: KurrentRecord[] = [];
  const read = client.readAll({
    fromPosition: options.fromPosition,
    maxCount: options.maxCount,
    direction: options.backwards ? BACKWARDS : FORWARDS,
  });
  for await (const resolved of read) {
    if (resolved.event) records.push(resolved.event);
  }
  return records;
}
