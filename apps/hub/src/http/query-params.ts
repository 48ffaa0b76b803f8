import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_LIMIT = 500;

export class EventViewQuery {
  @IsOptional() @IsIn(['latest', 'stored'], { message: 'view must be latest or stored' })
  view: 'latest' | 'stored' = 'latest';
}

export class StreamQuery extends EventViewQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  fromRevision = 0;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_LIMIT, { message: `limit must not exceed ${MAX_PAGE_LIMIT}` })
  limit = 100;
}
