import { Inject, Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { CLOCK, type Clock } from '@concord/common';
import { QUARANTINE_STORE, type QuarantineStore } from '@concord/quarantine';
import type { HubStatusContributor, StatusSection } from './hub-status';

/** This many new quarantine entries within an hour makes the quarantine critical. */
export const QUARANTINE_CRITICAL_PER_HOUR = 100;

@Injectable()
export class QuarantineContributor implements HubStatusContributor {
  readonly name = 'quarantine';

  constructor(
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async status(): Promise<StatusSection> {
    const now = this.clock.now();
    const lastHour = await this.quarantine.stats(new Date(now.getTime() - 3_600_000).toISOString());
    const lastDay = await this.quarantine.stats(new Date(now.getTime() - 86_400_000).toISOString());
    const details = { open: lastHour.open, resolved: lastHour.resolved, newLastHour: lastHour.newSince, resolvedLastHour: lastHour.resolvedSince, newLast24h: lastDay.newSince };
    if (lastHour.newSince >= QUARANTINE_CRITICAL_PER_HOUR) return { severity: 'critical', summary: `${lastHour.newSince} inputs quarantined in the last hour`, details };
    if (lastHour.newSince > 0) return { severity: 'warning', summary: `the quarantine grew by ${lastHour.newSince} in the last hour (${lastHour.open} open)`, details };
    if (lastHour.open > 0) return { severity: 'warning', summary: `${lastHour.open} quarantined inputs wait for a fix and a replay`, details };
    return { severity: 'ok', summary: 'the quarantine is empty', details };
  }

  registerMetrics(registry: Registry): void {
    const quarantine = this.quarantine;
    new Gauge({
      name: 'concord_quarantine_items',
      help: 'Quarantined inputs by status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const stats = await quarantine.stats(new Date(0).toISOString());
        this.set({ status: 'open' }, stats.open);
        this.set({ status: 'resolved' }, stats.resolved);
      },
    });
  }
}
