import { BadRequestException, Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccessLogPage } from '@concord/access-log';
import { PRINTABLE_ID } from '@concord/contracts';
import { CONCORD_CONFIG, type ConcordConfig } from '../config/concord-config';
import { pointInTime, subjectOf } from '../entities/entities.controller';
import { entityKey } from '../entities/entity-view';
import { ListAuditAccessQuery } from './access-log.queries';
import { AccessLogParams, decodeCursor, encodeCursor, EntityHistoryParams, FlowParams, LineageParams } from './audit-trail.params';
import { GetEntityHistoryQuery, GetFieldLineageQuery, type EntityHistoryPage, type FieldLineageAnswer } from './entity-audit.queries';
import { GetFlowQuery, type FlowPage } from './flow-audit.queries';
import { Roles } from '../access/route-access';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditTrailController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CONCORD_CONFIG) private readonly config: ConcordConfig,
  ) {}

  @Get('entities/:type/:id')
  @Roles('auditor')
  @ApiOperation({
    summary: "An entity's full history: who, what changed (field diff of the view), when, why, via what, and duplicates received",
    description:
      'Oldest first, paged with limit (≤ 500) and cursor. since=<ISO> keeps events recorded from then; asOf=<ISO> or atPosition=<n> ends the history there. Each event says whether the view applied it (applied, stale: not applied, hub-fact).',
  })
  async history(@Param('type') type: string, @Param('id') id: string, @Query() params: EntityHistoryParams) {
    const subject = subjectOf(type, id);
    const scope = `history:${entityKey(subject)}`;
    const fromRevision = decodeCursor(scope, params.cursor) ?? 0;
    const since = params.since ? new Date(params.since) : undefined;
    const page: EntityHistoryPage = await this.queries.execute(
      new GetEntityHistoryQuery(subject, { limit: params.limit, fromRevision }, { ...(since ? { since } : {}), until: pointInTime(params.asOf, params.atPosition) }),
    );
    const { nextRevision, ...rest } = page;
    return { ...rest, ...(nextRevision !== undefined ? { nextCursor: encodeCursor(scope, nextRevision) } : {}) };
  }

  @Get('entities/:type/:id/lineage')
  @Roles('auditor')
  @ApiOperation({
    summary: 'Which event, from which source, set the current value of a merged-state field, what it replaced, the earlier values, and each source’s value',
    description: 'field=<dotted path> (e.g. total.amount). limit caps the chain of earlier values (newest first); asOf / atPosition answer for a past moment.',
  })
  lineage(@Param('type') type: string, @Param('id') id: string, @Query() params: LineageParams): Promise<FieldLineageAnswer> {
    if (params.cursor !== undefined) throw new BadRequestException('lineage is not paged: use limit for the length of the chain');
    return this.queries.execute(new GetFieldLineageQuery(subjectOf(type, id), params.field, params.limit, pointInTime(params.asOf, params.atPosition)));
  }

  @Get('flows/:correlationId')
  @Roles('auditor')
  @ApiOperation({
    summary: 'One flow (correlationId) across entities and systems, step by step in log order, with pauses above the gap threshold flagged',
    description: `gapMs=<ms> overrides the threshold (default CONCORD_AUDIT_FLOW_GAP_MS). Paged with limit (≤ 500) and cursor. Served from the audit-flows projection: indexedThrough says how far it has read the log.`,
  })
  async flow(@Param('correlationId') correlationId: string, @Query() params: FlowParams) {
    if (!PRINTABLE_ID.test(correlationId)) throw new BadRequestException('correlationId must be 1..200 characters without control characters');
    const scope = `flow:${correlationId}`;
    const afterPosition = decodeCursor(scope, params.cursor);
    const page: FlowPage = await this.queries.execute(
      new GetFlowQuery(correlationId, { limit: params.limit, ...(afterPosition !== undefined ? { afterPosition } : {}) }, params.gapMs ?? this.config.CONCORD_AUDIT_FLOW_GAP_MS),
    );
    const { nextPosition, ...rest } = page;
    return { ...rest, ...(nextPosition !== undefined ? { nextCursor: encodeCursor(scope, nextPosition) } : {}) };
  }

  @Get('access-log')
  @Roles('auditor')
  @ApiOperation({
    summary: 'Who read the audit trail: every call to /v1/audit/…, newest first (principal, role, request id, IP, route, URL, status)',
    description: 'Filters: principal=<key id or anonymous>, since=<ISO>. Paged with limit (≤ 500) and cursor. This listing is itself recorded.',
  })
  async accessLog(@Query() params: AccessLogParams) {
    const beforeSeq = decodeCursor('access-log', params.cursor);
    const page: AccessLogPage = await this.queries.execute(
      new ListAuditAccessQuery({
        limit: params.limit,
        ...(params.principal !== undefined ? { principal: params.principal } : {}),
        ...(params.since !== undefined ? { since: params.since } : {}),
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
      }),
    );
    const last = page.items[page.items.length - 1];
    return { items: page.items, ...(page.hasMore && last ? { nextCursor: encodeCursor('access-log', last.seq) } : {}) };
  }
}
