import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/route-access';
import { ProjectionsService } from './projections.service';

@ApiTags('projections')
@Controller('v1/projections')
export class ProjectionsController {
  constructor(private readonly projections: ProjectionsService) {}

  @Get()
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: "Each projection's checkpoint, lag (events and seconds), state, last error, and which instance runs it" })
  async list() {
    return { projections: await this.projections.statuses() };
  }

  @Post(':name/rebuild')
  @Roles()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Empty a projection and replay it from position 0 while ingestion goes on; follow progress in GET /v1/projections. 409 on an instance that is not its active projector.',
  })
  async rebuild(@Param('name') name: string) {
    const runner = await this.projections.activeRunner(name);
    await runner.rebuild();
    return runner.status();
  }

  @Post(':name/resume')
  @Roles()
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry a failed projection from the event it stopped at (after a fix). 409 on an instance that is not its active projector.' })
  async resume(@Param('name') name: string) {
    const runner = await this.projections.activeRunner(name);
    await runner.start();
    return runner.status();
  }
}
