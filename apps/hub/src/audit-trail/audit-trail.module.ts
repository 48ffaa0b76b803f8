import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { ACCESS_LOG, SqliteAccessLog, type AccessLog } from '@concord/access-log';
import type { ConcordConfig } from '../config/concord-config';
import { ListAuditAccessHandler } from './access-log.queries';
import { AuditAccessRecorder } from './audit-access-recorder';
import { AuditTrailController } from './audit-trail.controller';
import { GetEntityHistoryHandler, GetFieldLineageHandler } from './entity-audit.queries';
import { GetFlowHandler } from './flow-audit.queries';

export function accessLogFile(config: ConcordConfig): string {
  return join(config.CONCORD_DATA_DIR, 'audit-access.db');
}

/**
 * The audit trail: entity histories with field diffs, field lineage, flows by
 * correlation id, and the log of who read them (its own SQLite file: reads must
 * not write to the business event log).
 */
@Module({})
export class AuditTrailModule implements OnApplicationShutdown {
  constructor(@Inject(ACCESS_LOG) private readonly log: AccessLog) {}

  static forRoot(config: ConcordConfig): DynamicModule {
    return {
      module: AuditTrailModule,
      controllers: [AuditTrailController],
      providers: [
        { provide: ACCESS_LOG, useFactory: () => SqliteAccessLog.open(accessLogFile(config), { synchronous: config.CONCORD_SQLITE_SYNCHRONOUS }) },
        AuditAccessRecorder,
        GetEntityHistoryHandler,
        GetFieldLineageHandler,
        GetFlowHandler,
        ListAuditAccessHandler,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.log.close();
  }
}
