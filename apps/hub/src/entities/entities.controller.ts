import { BadRequestException, Controller, Get, Headers, Param, Query, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { PRINTABLE_ID, SUBJECT_TYPE, type SubjectRef } from '@concord/contracts';
import { InvalidDocumentQueryError, type DocumentPage, type DocumentQuery } from '@concord/projections';
import { Roles } from '../access/route-access';
import { csvRow, leafPaths } from '../http/csv';
import { GetEntityQuery, GetEntitySyncQuery, ListEntitiesQuery, type PointInTime } from './entities.queries';
import { encodeCursor, EntityListQueryError, parseEntityListQuery } from './entity-list-query';
import type { EntityView } from './entity-view';

@ApiTags('entities')
@Controller('v1/entities')
export class EntitiesController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':type')
  @Roles('analyst', 'auditor')
  @ApiOperation({
    summary: 'List entities of a type',
    description:
      'Filters: source=<system> (entities that system reported), field.<path>=<value> (merged state, e.g. field.status=done), updatedSince=<ISO>. sort=id|lastEventAt|-lastEventAt, limit ≤ 500, cursor from nextCursor. CSV with Accept: text/csv or format=csv (all pages, streamed).',
  })
  async list(@Param('type') type: string, @Query() params: Record<string, unknown>, @Headers('accept') accept?: string) {
    checkType(type);
    let request;
    try {
      request = parseEntityListQuery(type, params, accept);
    } catch (error) {
      if (error instanceof EntityListQueryError) throw new BadRequestException(error.message);
      throw error;
    }
    if (request.format === 'csv') return this.csv(request.query);
    const page = await this.page(request.query);
    const last = page.items[page.items.length - 1];
    return {
      items: page.items.map((item) => item.doc),
      ...(page.hasMore && last ? { nextCursor: encodeCursor(request.sort, last.sortValue, last.key) } : {}),
    };
  }

  @Get(':type/:id')
  @Roles('analyst', 'auditor')
  @ApiOperation({
    summary: 'What every system says about one entity, now or then',
    description: 'Current state merged and per source. ?asOf=<ISO time> or ?atPosition=<n> folds the stream up to that recorded time / log position.',
  })
  get(@Param('type') type: string, @Param('id') id: string, @Query('asOf') asOf?: string, @Query('atPosition') atPosition?: string): Promise<EntityView> {
    return this.queries.execute(new GetEntityQuery(subjectOf(type, id), pointInTime(asOf, atPosition)));
  }

  @Get(':type/:id/sync')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'Per source: when it last reported this entity, its last event, and whether any of its reports sit in quarantine' })
  sync(@Param('type') type: string, @Param('id') id: string) {
    return this.queries.execute(new GetEntitySyncQuery(subjectOf(type, id)));
  }

  private async page(query: DocumentQuery): Promise<DocumentPage> {
    try {
      return await this.queries.execute(new ListEntitiesQuery(query));
    } catch (error) {
      if (error instanceof InvalidDocumentQueryError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** Streams every page; the state columns are those of the first page (a spreadsheet needs a fixed header). */
  private async csv(query: DocumentQuery): Promise<StreamableFile> {
    const first = await this.page(query);
    const stateColumns = [...new Set(first.items.flatMap((item) => leafPaths((item.doc as unknown as EntityView).state)))].sort();
    const page = this.page.bind(this);
    async function* rows(): AsyncGenerator<string> {
      yield csvRow(['type', 'id', 'version', 'lastEventAt', 'sources', ...stateColumns.map((c) => `state.${c}`)]);
      let current = first;
      for (;;) {
        for (const item of current.items) {
          const view = item.doc as unknown as EntityView;
          yield csvRow([
            view.subject.type,
            view.subject.id,
            view.version,
            view.lastEventAt,
            Object.keys(view.sources).sort().join(' '),
            ...stateColumns.map((column) => valueAt(view.state, column)),
          ]);
        }
        const last = current.items[current.items.length - 1];
        if (!current.hasMore || !last) return;
        current = await page({ ...query, after: { value: last.sortValue, key: last.key } });
      }
    }
    return new StreamableFile(Readable.from(rows()), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="entities.csv"' });
  }
}

function valueAt(state: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), state);
}

function checkType(type: string): void {
  if (!SUBJECT_TYPE.test(type)) throw new BadRequestException('entity type must match [a-z][a-z0-9_]{0,63}');
}

export function subjectOf(type: string, id: string): SubjectRef {
  checkType(type);
  if (!PRINTABLE_ID.test(id)) throw new BadRequestException('entity id must be 1..200 characters without control characters');
  return { type, id };
}

export function pointInTime(asOf: string | undefined, atPosition: string | undefined): PointInTime {
  if (asOf !== undefined && atPosition !== undefined) throw new BadRequestException('give asOf or atPosition, not both');
  if (asOf !== undefined) {
    const time = Date.parse(asOf);
    if (!/^\d{4}-\d{2}-\d{2}/.test(asOf) || Number.isNaN(time)) throw new BadRequestException('asOf must be an ISO-8601 date-time');
    return { asOf: new Date(time) };
  }
  if (atPosition !== undefined) {
    if (!/^\d{1,15}$/.test(atPosition)) throw new BadRequestException('atPosition must be a non-negative integer');
    return { atPosition: Number(atPosition) };
  }
  return undefined;
}
