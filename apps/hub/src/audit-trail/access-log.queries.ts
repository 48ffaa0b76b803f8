import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ACCESS_LOG, type AccessLog, type AccessLogFilter, type AccessLogPage } from '@concord/access-log';

export class ListAuditAccessQuery {
  constructor(readonly filter: AccessLogFilter) {}
}

@QueryHandler(ListAuditAccessQuery)
export class ListAuditAccessHandler implements IQueryHandler<ListAuditAccessQuery, AccessLogPage> {
  constructor(@Inject(ACCESS_LOG) private readonly log: AccessLog) {}

  execute({ filter }: ListAuditAccessQuery): Promise<AccessLogPage> {
    return this.log.list(filter);
  }
}
