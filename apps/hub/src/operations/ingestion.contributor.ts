import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import type { HubStatusContributor, StatusSection } from './hub-status';
import { IngestTelemetry } from './ingest-telemetry';

/** Rejections above this share of the last five minutes' deliveries make ingestion a warning. */
export const REJECTED_SHARE_WARNING = 0.5;

@Injectable()
export class IngestionContributor implements HubStatusContributor {
  readonly name = 'ingestion';

  constructor(
    private readonly telemetry: IngestTelemetry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async status(): Promise<StatusSection> {
    const now = this.clock.now().getTime();
    const rates = (minutes: number) => ({
      received: this.telemetry.receivedRate.perMinute(now, minutes),
      appended: this.telemetry.appendedRate.perMinute(now, minutes),
      duplicate: this.telemetry.duplicateRate.perMinute(now, minutes),
      rejected: this.telemetry.rejectedRate.perMinute(now, minutes),
    });
    const last5 = rates(5);
    const details = { perMinuteLast1m: rates(1), perMinuteLast5m: last5, perMinuteLast15m: rates(15) };
    if (last5.received > 0 && last5.rejected / last5.received > REJECTED_SHARE_WARNING) {
      return { severity: 'warning', summary: `${Math.round((100 * last5.rejected) / last5.received)}% of the events received in the last 5 minutes were refused`, details };
    }
    return { severity: 'ok', summary: last5.received > 0 ? `${last5.appended.toFixed(1)} events/min stored over the last 5 minutes` : 'no events received in the last 5 minutes', details };
  }
}
