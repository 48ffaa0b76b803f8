import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { Public } from '../access/route-access';
import { HubStatusRegistry } from '../operations/hub-status';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: HubStatusRegistry,
  ) {}

  @Get()
  @Public('load balancers probe it; it reveals only whether the log is writable and its head position')
  @ApiOperation({ summary: '200 when the event log takes durable writes, 503 with the reason otherwise' })
  async health() {
    try {
      await this.store.checkWritable();
    } catch (error) {
      throw new ServiceUnavailableException({ status: 'unavailable', store: error instanceof Error ? error.message : String(error) });
    }
    return { status: 'ok', store: 'writable', headPosition: await this.store.headPosition() };
  }

  @Get('live')
  @Public('liveness probe: answers while the process serves requests, reveals nothing')
  @ApiOperation({ summary: 'Liveness: 200 while the process answers' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public('readiness probe: reveals only which capability is not ready and why')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: 200 when the event log is writable and every registered capability is ready; 503 with the reasons otherwise' })
  ready() {
    return this.checks.check(
      this.registry
        .all()
        .filter((contributor) => contributor.readiness)
        .map((contributor) => async () => {
          const readiness = await contributor.readiness!();
          const session = this.indicators.check(contributor.name);
          return readiness.ready ? session.up() : session.down({ reason: readiness.reason });
        }),
    );
  }
}
