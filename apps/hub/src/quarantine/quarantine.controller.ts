import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { InvalidCursorError, QUARANTINE_STORE, type QuarantineStore } from '@concord/quarantine';
import { MAX_PAGE_LIMIT } from '../http/query-params';
import { Roles } from '../access/route-access';

export class QuarantineQuery {
  @IsOptional() @IsString() @Length(1, 64)
  source?: string;

  @IsOptional() @IsString() @Length(1, 64)
  reason?: string;

  @IsOptional() @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 date-time' })
  since?: string;

  @IsOptional() @IsIn(['open', 'resolved'])
  status?: 'open' | 'resolved';

  @IsOptional() @IsString() @Length(1, 200)
  eventId?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_LIMIT, { message: `limit must not exceed ${MAX_PAGE_LIMIT}` })
  limit?: number;

  @IsOptional() @IsString() @Length(1, 100)
  cursor?: string;
}

@ApiTags('quarantine')
@Controller('v1/quarantine')
export class QuarantineController {
  constructor(@Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore) {}

  @Get()
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'Refused inputs, newest first, with reasons, attempts and first/last seen' })
  async list(@Query() query: QuarantineQuery) {
    try {
      const since = query.since ? new Date(query.since).toISOString() : undefined;
      return await this.quarantine.list({ ...query, since });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Get(':id')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'One quarantined input, raw, with why it was refused' })
  async get(@Param('id') id: string) {
    const entry = await this.quarantine.get(id);
    if (!entry) throw new NotFoundException(`no quarantine entry ${JSON.stringify(id)}`);
    return entry;
  }
}
