import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@concord/common';
import { Roles } from '../access/route-access';
import { HubMetrics } from './hub-metrics';
import { HubStatusRegistry, worst, type StatusSection } from './hub-status';

@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    private readonly metrics: HubMetrics,
    private readonly registry: HubStatusRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('metrics')
  @Roles('analyst', 'auditor')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics (scrape with a bearer key)' })
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  @Get('v1/status')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'What is broken right now: one severity, and a section per capability (event log, ingestion, quarantine, …)' })
  async status() {
    const sections: Record<string, StatusSection> = {};
    for (const contributor of this.registry.all()) {
      if (!contributor.status) continue;
      try {
        sections[contributor.name] = await contributor.status();
      } catch (error) {
        sections[contributor.name] = { severity: 'critical', summary: `status could not be computed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    const severity = worst(Object.values(sections).map((s) => s.severity));
    const attention = Object.entries(sections).filter(([, s]) => s.severity !== 'ok').map(([name, s]) => `${name}: ${s.summary}`);
    return { severity, at: this.clock.now().toISOString(), attention, sections };
  }
}
