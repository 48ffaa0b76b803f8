/** The predecessor hash of every stream's first event (as in libs/event-store). */
export const STREAM_GENESIS = '0'.repeat(64);

/** One stored event as the verifier sees it: where it is, its stored link, and its hash recomputed from its stored content. */
export interface ChainLink {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly computedHash: string;
}

export type BreakKind =
  /** A position the log should hold is not there (an event was removed). */
  | 'missing-position'
  /** The stored content does not hash to the stored hash (content changed). */
  | 'content-changed'
  /** The event does not follow its stream's previous event (removed, inserted or reordered). */
  | 'revision-out-of-order'
  /** prevHash is not the hash of the stream's previous event (the chain was cut and re-joined). */
  | 'broken-link'
  /** A seal's signature does not verify, its key is unknown, or the seals are not numbered 1, 2, 3… */
  | 'seal-invalid'
  /** The log's digest or event count at a sealed position differs from what the seal signed. */
  | 'seal-mismatch';

/** The first thing found wrong, named by log position. */
export interface BrokenLink {
  readonly kind: BreakKind;
  readonly position: number;
  readonly stream?: string;
  readonly revision?: number;
  readonly seal?: number;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

interface StreamTail {
  readonly revision: number;
  readonly hash: string;
}

/** The first event of a stream seen in a range: whether it follows on is decided when ranges are joined. */
export interface StreamOpening {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly prevHash: string;
}

/** What one range of the log tells the next: its first event per stream, its last per stream, and what broke. */
export interface RangeSummary {
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly openings: readonly StreamOpening[];
  readonly tails: readonly (readonly [stream: string, revision: number, hash: string])[];
  readonly broken?: BrokenLink;
}

function linkBreak(link: Pick<ChainLink, 'position' | 'stream' | 'revision' | 'prevHash'>, tail: StreamTail | undefined): BrokenLink | undefined {
  const expectedRevision = tail ? tail.revision + 1 : 0;
  const where = { position: link.position, stream: link.stream, revision: link.revision };
  if (link.revision !== expectedRevision) {
    return {
      kind: 'revision-out-of-order',
      ...where,
      expected: `revision ${expectedRevision}`,
      found: `revision ${link.revision}`,
      message: tail
        ? `stream ${link.stream}: after revision ${tail.revision} the log holds revision ${link.revision} (events were removed, inserted or reordered)`
        : `stream ${link.stream} starts at revision ${link.revision}, not 0 (its first events were removed or reordered)`,
    };
  }
  const expectedPrev = tail ? tail.hash : STREAM_GENESIS;
  if (link.prevHash !== expectedPrev) {
    return {
      kind: 'broken-link',
      ...where,
      expected: expectedPrev,
      found: link.prevHash,
      message: `stream ${link.stream} revision ${link.revision}: prevHash is not the hash of the stream's previous event`,
    };
  }
  return undefined;
}

/**
 * Walks one contiguous range of the log in position order (a worker's share, or
 * the whole log). Pure: it is fed links and stops at the first break. Whether each
 * stream's first event in the range follows on from earlier ranges is left to
 * {@link ChainJoin}, so ranges can be walked in parallel.
 */
export class RangeWalk {
  private readonly tails = new Map<string, StreamTail>();
  private readonly openings: StreamOpening[] = [];
  private events = 0;
  private nextPosition: number;
  private broken: BrokenLink | undefined;

  /** @param consecutive the store numbers positions 1, 2, 3… without gaps, so a gap is a removed event. */
  constructor(
    private readonly from: number,
    private readonly consecutive: boolean,
  ) {
    this.nextPosition = from;
  }

  get isBroken(): boolean {
    return this.broken !== undefined;
  }

  /** Returns false once something is broken: the caller can stop reading. */
  accept(link: ChainLink): boolean {
    if (this.broken) return false;
    if (this.consecutive && link.position !== this.nextPosition) {
      this.broken = missing(this.nextPosition, link.position);
      return false;
    }
    this.nextPosition = link.position + 1;
    const tail = this.tails.get(link.stream);
    if (tail) this.broken = linkBreak(link, tail);
    else this.openings.push({ position: link.position, stream: link.stream, revision: link.revision, prevHash: link.prevHash });
    if (!this.broken && link.computedHash !== link.hash) {
      this.broken = {
        kind: 'content-changed',
        position: link.position,
        stream: link.stream,
        revision: link.revision,
        expected: link.computedHash,
        found: link.hash,
        message: `the event at position ${link.position} (stream ${link.stream} revision ${link.revision}) does not hash to its stored hash: its stored content was changed`,
      };
    }
    if (this.broken) return false;
    this.tails.set(link.stream, { revision: link.revision, hash: link.hash });
    this.events++;
    return true;
  }

  /** @param to the range's last position: with consecutive positions, missing events at its end are a break too. */
  summary(to: number): RangeSummary {
    if (!this.broken && this.consecutive && this.nextPosition <= to) this.broken = missing(this.nextPosition, undefined, to);
    return {
      from: this.from,
      to,
      events: this.events,
      openings: this.openings,
      tails: [...this.tails].map(([stream, tail]) => [stream, tail.revision, tail.hash] as const),
      ...(this.broken ? { broken: this.broken } : {}),
    };
  }
}

function missing(position: number, next: number | undefined, rangeEnd?: number): BrokenLink {
  return {
    kind: 'missing-position',
    position,
    expected: `position ${position}`,
    found: next === undefined ? `no event at positions ${position}..${rangeEnd}` : `position ${next}`,
    message: `the log has no event at position ${position}${next === undefined ? '' : `: it jumps to ${next}`} (an event was removed)`,
  };
}

/**
 * Joins range summaries in position order: checks each range's stream openings
 * against the stream tails of everything before it. The first break it returns
 * is the first break of the log, since every earlier range is complete and clean.
 */
export class ChainJoin {
  private readonly tails = new Map<string, StreamTail>();
  private joinedEvents = 0;

  get events(): number {
    return this.joinedEvents;
  }

  get streams(): number {
    return this.tails.size;
  }

  add(summary: RangeSummary): BrokenLink | undefined {
    for (const opening of summary.openings) {
      if (summary.broken && opening.position > summary.broken.position) break;
      const broken = linkBreak(opening, this.tails.get(opening.stream));
      if (broken) return broken;
    }
    if (summary.broken) return summary.broken;
    for (const [stream, revision, hash] of summary.tails) this.tails.set(stream, { revision, hash });
    this.joinedEvents += summary.events;
    return undefined;
  }
}
