import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { Public } from '../access/route-access';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

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
}
