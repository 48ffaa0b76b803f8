/**
 * Counts per minute over a sliding window, for "events per minute lately"
 * in the status answer. Time is passed in; memory is one slot per minute.
 */
export class RateWindow {
  private readonly slots = new Map<number, number>();

  constructor(private readonly minutes = 15) {}

  add(nowMs: number, count = 1): void {
    const minute = Math.floor(nowMs / 60_000);
    this.slots.set(minute, (this.slots.get(minute) ?? 0) + count);
    for (const key of this.slots.keys()) if (key <= minute - this.minutes) this.slots.delete(key);
  }

  /** Per minute, over the last `minutes` whole and current minutes. */
  perMinute(nowMs: number, minutes: number): number {
    const current = Math.floor(nowMs / 60_000);
    let total = 0;
    for (const [minute, count] of this.slots) if (minute > current - minutes && minute <= current) total += count;
    return total / minutes;
  }
}
