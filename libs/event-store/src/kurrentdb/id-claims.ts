import { jsonEvent, NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import { eventUuidOf } from './event-uuid';
import type { KurrentClient } from './kurrent-client';
import type { KurrentNames } from './kurrent-names';
import { concordIdOf, type KurrentRecord } from './kurrent-records';
import { readStreamRecords } from './kurrent-reads';

export const ID_CLAIMED = 'concord.id-claimed';
const SEARCH_PAGE = 256;

/**
 * An event id's permanent binding to one stream and one content. KurrentDB
 * has no unique index across streams, so uniqueness comes from a stream per id
 * (`$concord-id-<id>`) whose first event can only be written once (expected
 * revision NO_STREAM). A writer claims the id before it appends the event;
 * whoever finds a claim either matches it (same stream, same content digest:
 * a retry) or is refused (`id-reused-with-different-content`).
 */
export interface IdClaim {
  readonly id: string;
  /** The Concord stream the event belongs to. */
  readonly stream: string;
  readonly contentDigest: string;
  /**
   * The stream's last revision (-1: none) when the id was first claimed. The
   * event, if it was written, is at a later revision: a lookup or a retry only
   * searches the stream after it.
   */
  readonly floor: number;
  readonly claimedAt: string;
}

export class IdClaims {
  constructor(
    private readonly client: KurrentClient,
    private readonly names: KurrentNames,
  ) {}

  async lookup(id: string): Promise<IdClaim | undefined> {
    const [first] = await readStreamRecords(this.client, this.names.idClaim(id), { fromRevision: 0n, maxCount: 1 });
    if (!first) return undefined;
    if (first.type !== ID_CLAIMED || !isIdClaim(first.data) || first.data.id !== id) {
      throw new Error(`the id claim stream ${first.streamId} holds an unexpected event (${first.type})`);
    }
    return first.data;
  }

  /**
   * True when this caller now holds the claim; false when someone else claimed
   * the id first. The claim event gets a random KurrentDB id on purpose: two
   * writers must never both "win" through the server's idempotency check.
   */
  async claim(claim: IdClaim): Promise<boolean> {
    try {
      const result = await this.client.appendToStream(this.names.idClaim(claim.id), jsonEvent({ type: ID_CLAIMED, data: { ...claim } }), {
        expectedRevision: NO_STREAM,
      });
      return result.success;
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw error;
    }
  }

  /**
   * Finds the claimed event in its stream, searching revisions (floor, upTo]
   * (upTo: the end of the stream when absent). Undefined means the claimant
   * has not written it (yet, or ever: it crashed or was refused after claiming).
   */
  async locate(claim: IdClaim, upTo?: number): Promise<KurrentRecord | undefined> {
    const uuid = eventUuidOf(claim.id, this.names.namespace);
    let from = claim.floor + 1;
    while (upTo === undefined || from <= upTo) {
      const maxCount = upTo === undefined ? SEARCH_PAGE : Math.min(SEARCH_PAGE, upTo - from + 1);
      const page = await readStreamRecords(this.client, this.names.stream(claim.stream), { fromRevision: BigInt(from), maxCount });
      const found = page.find((record) => record.id === uuid && concordIdOf(record) === claim.id);
      if (found) return found;
      if (page.length < maxCount) return undefined;
      from += page.length;
    }
    return undefined;
  }
}

function isIdClaim(data: unknown): data is IdClaim {
  if (typeof data !== 'object' || data === null) return false;
  const claim = data as Record<string, unknown>;
  return (
    typeof claim.id === 'string' &&
    typeof claim.stream === 'string' &&
    typeof claim.contentDigest === 'string' &&
    typeof claim.floor === 'number' &&
    typeof claim.claimedAt === 'string'
  );
}
