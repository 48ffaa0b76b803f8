import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { principalOf } from './request-auth';
import { Roles } from './route-access';

@ApiTags('access')
@Controller('v1/whoami')
export class WhoamiController {
  @Get()
  @Roles('connector', 'analyst', 'auditor')
  @ApiOperation({ summary: "Who the presented key is: its id, role, sources and name (never the key); the dashboard shows only what that role may do" })
  whoami(@Req() request: FastifyRequest) {
    const { keyId, role, sources, name } = principalOf(request)!;
    return { keyId, role, sources, ...(name !== undefined ? { name } : {}) };
  }
}
