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
  @ApiOperation({ summary: "Each projection's checkpoint, lag (events and seconds), state and last error" })
  async list() {
    return { projections: await this.projections.statuses() };
  }

  @Post(':name/rebuild')
  @Roles()
  @HttpCode(202)
  @ApiOperation({ summary: 'Empty a projection and replay it from position 0 while ingestion goes on; follow progress in GET /v1/projections' })
  async rebuild(@Param('name') name: string) {
    const runner = this.projections.runner(name);
    await runner.rebuild();
    return runner.status();
  }

  @Post(':name/resume')
  @Roles()
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry a failed projection from the event it stopped at (after a fix)' })
  async resume(@Param('name') name: string) {
    const runner = this.projections.runner(name);
    await runner.start();
    return runner.status();
  }
}
