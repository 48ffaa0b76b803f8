import type { RunReport } from './publish-traffic';
import type { PlantedFaults, Traffic } from './traffic';

/** One line: how many of each fault the run planted. */
export function describePlanted(planted: PlantedFaults): string {
  const parts = [
    `${planted.duplicates.length} duplicate sends`,
    `${planted.lateRetries.length} late retries`,
    `${planted.reordered.length} reordered`,
    `${planted.missing.length} records missing in one system`,
    `${planted.conflicts.length} conflicts`,
    `${planted.twins.length} twin customers`,
    `${planted.bursts.length} bursts`,
    `${planted.invalid.length} invalid events`,
  ];
  return `planted ${parts.join(', ')}`;
}

/** What the hub answered, against what a fresh hub should answer for this traffic. */
export function describeRun(report: RunReport, traffic: Traffic): string {
  const { counts } = report;
  const rate = report.seconds > 0 ? Math.round(report.deliveries / report.seconds) : 0;
  const lines = [
    `sent ${report.deliveries} deliveries in ${report.seconds.toFixed(1)} s (${rate}/s): ` +
      Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${n} ${status}`)
        .join(', '),
  ];
  if (counts.accepted === 0) {
    const invalid = traffic.planted.invalid.length;
    lines.push(
      `a fresh hub answers ${traffic.uniqueEvents} appended, ${traffic.deliveries.length - traffic.uniqueEvents - invalid} duplicate` +
        `${invalid > 0 ? ` and ${invalid} rejected (the planted invalid events)` : ''} (a repeated run: all duplicate${invalid > 0 ? ' or rejected' : ''})`,
    );
  }
  for (const failed of report.failed.slice(0, 5)) lines.push(`  failed ${failed.id}: ${failed.reason}: ${failed.message}`);
  for (const rejected of report.rejected.slice(0, 5)) lines.push(`  rejected ${rejected.id}: ${rejected.reason}: ${rejected.message}`);
  return lines.join('\n');
}
