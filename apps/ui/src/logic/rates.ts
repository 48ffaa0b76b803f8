/** Counter totals per series at one moment. */
export interface CounterSnapshot {
  readonly at: number;
  readonly totals: Readonly<Record<string, number>>;
}

/** Per-second rates per series between two snapshots. */
export interface RatePoint {
  readonly at: number;
  readonly rates: Readonly<Record<string, number>>;
}

/**
 * Rates from successive counter snapshots, keeping the last `capacity` points.
 * A counter that went down means the hub restarted: that interval counts from zero.
 */
export class RateHistory {
  private previous: CounterSnapshot | undefined;
  private readonly points: RatePoint[] = [];

  constructor(private readonly capacity = 60) {}

  add(snapshot: CounterSnapshot): void {
    const previous = this.previous;
    this.previous = snapshot;
    if (!previous || snapshot.at <= previous.at) return;
    const seconds = (snapshot.at - previous.at) / 1000;
    const rates: Record<string, number> = {};
    for (const [series, total] of Object.entries(snapshot.totals)) {
      const before = previous.totals[series] ?? 0;
      rates[series] = (total >= before ? total - before : total) / seconds;
    }
    this.points.push({ at: snapshot.at, rates });
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }

  history(): readonly RatePoint[] {
    return this.points;
  }

  /** Every series seen in the kept points, sorted. */
  series(): string[] {
    return [...new Set(this.points.flatMap((p) => Object.keys(p.rates)))].sort();
  }

  latest(): RatePoint | undefined {
    return this.points[this.points.length - 1];
  }
}
