/**
 * A progress line for long CLI runs: a bar with events/s and ETA on a terminal,
 * a plain line every few seconds otherwise (CI logs, pipes).
 */
export class ProgressReporter {
  private readonly startedAt = Date.now();
  private lastPrinted = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly interactive: boolean,
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastPrinted < (this.interactive ? 100 : 5000)) return;
    this.lastPrinted = now;
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const rate = done / seconds;
    const fraction = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const eta = rate > 0 ? Math.max(this.total - done, 0) / rate : 0;
    const figures = `${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} events  ${Math.round(rate).toLocaleString('en-US')} events/s  ETA ${formatSeconds(eta)}`;
    if (this.interactive) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.out.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${figures}`);
    } else {
      this.out.write(`${this.label}: ${(fraction * 100).toFixed(0)}%  ${figures}\n`);
    }
  }

  finish(done: number): { seconds: number; rate: number } {
    this.update(done, true);
    if (this.interactive) this.out.write('\n');
    const seconds = (Date.now() - this.startedAt) / 1000;
    return { seconds, rate: done / Math.max(seconds, 0.001) };
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}
