import { BadRequestException, Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/route-access';
import { parseStuckFlowsQuery, StuckFlows, StuckFlowsQueryError, type StuckFlowsPage } from './stuck-flows';

@ApiTags('flows')
@Controller('v1/flows')
export class FlowsController {
  constructor(private readonly stuck: StuckFlows) {}

  @Get('stuck')
  @Roles('analyst', 'auditor')
  @ApiOperation({
    summary: 'Flows that should have finished by now (config/flows.yaml)',
    description:
      'Expectations past their deadline without the expected event, most overdue first: entity, rule, started by, expected by, overdue for, last event, unmatched candidates. Filters: rule=<name>, entity=<type> or <type>/<id>; limit ≤ 500, cursor from nextCursor.',
  })
  async list(@Query() params: Record<string, unknown>): Promise<StuckFlowsPage> {
    try {
      return await this.stuck.page(parseStuckFlowsQuery(params, this.stuck.rules));
    } catch (error) {
      if (error instanceof StuckFlowsQueryError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
