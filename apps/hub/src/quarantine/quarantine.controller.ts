import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { PRINTABLE_ID, SOURCE_NAME } from '@concord/contracts';
import { InvalidCursorError, QUARANTINE_STORE, type QuarantineEntry, type QuarantineFilter, type QuarantineStore } from '@concord/quarantine';
import { MAX_PAGE_LIMIT } from '../http/query-params';
import { readBody } from '../http/read-body';
import { principalOf } from '../access/request-auth';
import { Roles } from '../access/route-access';
import { QuarantineReplayer, type ReplayReport } from './quarantine-replayer';

const REASON = /^[a-z][a-z-]{0,63}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,100}$/;
/** Replays in one bulk request; more is a next request with the returned cursor. */
export const MAX_REPLAY_BATCH = 500;

/** Filters shared by the listing and bulk replay. */
class QuarantineFilterFields {
  @IsOptional() @IsString() @Matches(SOURCE_NAME, { message: 'source must match [a-z0-9-]{1,64}' })
  source?: string;

  @IsOptional() @IsString() @Matches(REASON, { message: 'reason must be a reason code such as contract-violation' })
  reason?: string;

  @IsOptional() @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 date-time' })
  since?: string;

  @IsOptional() @IsString() @Matches(PRINTABLE_ID, { message: 'eventId must be 1..200 characters without control characters' })
  eventId?: string;

  @IsOptional() @IsString() @Matches(CURSOR, { message: 'cursor must be a nextCursor this API returned' })
  cursor?: string;
}

export class QuarantineQuery extends QuarantineFilterFields {
  @IsOptional() @IsIn(['open', 'resolved'])
  status?: 'open' | 'resolved';

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_LIMIT, { message: `limit must not exceed ${MAX_PAGE_LIMIT}` })
  limit?: number;
}

export class ReplayOneBody {
  /** A corrected event envelope to validate and store instead of the kept input (admin only, recorded on the attempt). */
  @IsOptional() @IsObject({ message: 'payload must be an event object' })
  payload?: Record<string, unknown>;
}

/** Which open entries to replay: the same filters as the listing, or explicit ids. */
export class ReplayManyBody extends QuarantineFilterFields {
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_REPLAY_BATCH) @IsString({ each: true }) @Length(1, 200, { each: true })
  ids?: string[];

  @IsOptional() @IsInt() @Min(1) @Max(MAX_REPLAY_BATCH, { message: `limit must not exceed ${MAX_REPLAY_BATCH}` })
  limit?: number;
}

@ApiTags('quarantine')
@Controller('v1/quarantine')
export class QuarantineController {
  constructor(
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
    private readonly replayer: QuarantineReplayer,
  ) {}

  @Get()
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'Refused inputs, newest first, with reasons, attempts, first/last seen and replay history' })
  async list(@Query() query: QuarantineQuery) {
    return this.page({ ...query, since: query.since ? new Date(query.since).toISOString() : undefined });
  }

  @Get(':id')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'One quarantined input, raw, with why it was refused and every replay attempt' })
  async get(@Param('id') id: string) {
    return this.entry(id);
  }

  @Post('replay')
  @HttpCode(200)
  @Roles('admin')
  @ApiBody({ type: ReplayManyBody })
  @ApiOperation({
    summary: 'Replay the open entries that match a filter (or the given ids), one result per entry',
    description: `At most ${MAX_REPLAY_BATCH} per request (default 100); nextCursor continues with the next page of matching entries.`,
  })
  async replayMany(@Body() body: unknown, @Req() request: FastifyRequest) {
    const filter = readBody(ReplayManyBody, body);
    const principal = principalOf(request)!;
    let entries: QuarantineEntry[];
    let nextCursor: string | undefined;
    if (filter.ids) {
      entries = [];
      for (const id of new Set(filter.ids)) entries.push(await this.entry(id));
    } else {
      const page = await this.page({ ...filter, since: filter.since ? new Date(filter.since).toISOString() : undefined, status: 'open', limit: filter.limit ?? 100 });
      entries = page.items;
      nextCursor = page.nextCursor;
    }
    const results: ReplayReport[] = [];
    for (const entry of entries) results.push(await this.replayer.replay(entry, principal));
    const summary = { replayed: results.length, resolved: results.filter((r) => r.status === 'resolved').length, stillRejected: results.filter((r) => r.attempt.outcome === 'rejected').length };
    return { summary, results, ...(nextCursor ? { nextCursor } : {}) };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @Roles('admin')
  @ApiBody({ type: ReplayOneBody, required: false })
  @ApiOperation({
    summary: 'Replay one entry through validation (after a contract, mapping or secret fix), or store a corrected payload instead',
    description: 'The attempt is kept on the entry and appended to the log as quarantine.replayed; success marks the entry resolved. Replaying again is a duplicate, never a second event.',
  })
  async replayOne(@Param('id') id: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<ReplayReport> {
    const { payload } = readBody(ReplayOneBody, body, { optional: true });
    return this.replayer.replay(await this.entry(id), principalOf(request)!, payload);
  }

  private async entry(id: string): Promise<QuarantineEntry> {
    const entry = await this.quarantine.get(id);
    if (!entry) throw new NotFoundException(`no quarantine entry ${JSON.stringify(id.slice(0, 200))}`);
    return entry;
  }

  private async page(filter: QuarantineFilter) {
    try {
      return await this.quarantine.list(filter);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
