import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../access/route-access';
import { EventViewQuery, StreamQuery } from '../http/query-params';
import { GetEventQuery, GetStreamQuery, type EventDetails } from './events.queries';

@ApiTags('events')
@Controller('v1')
export class EventsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('events/:id')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: 'One stored event with its position, stream, revision, hashes and delivery history' })
  getEvent(@Param('id') id: string, @Query() query: EventViewQuery): Promise<EventDetails> {
    return this.queries.execute(new GetEventQuery(id, query.view));
  }

  @Get('streams/:stream')
  @Roles('analyst', 'auditor')
  @ApiOperation({ summary: "A stream's events in revision order (paged with fromRevision and limit)" })
  getStream(@Param('stream') stream: string, @Query() query: StreamQuery) {
    return this.queries.execute(new GetStreamQuery(stream, query.view, query.fromRevision, query.limit));
  }
}
