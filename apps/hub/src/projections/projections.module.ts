import { Module, type DynamicModule } from '@nestjs/common';
import { join } from 'node:path';
import { READ_MODEL_STORE, SqliteReadModelStore } from '@concord/projections';
import type { ConcordConfig } from '../config/concord-config';
import { ProjectionsContributor } from './projections.contributor';
import { ProjectionsController } from './projections.controller';
import { ProjectionsService } from './projections.service';

export function readModelsFile(config: ConcordConfig): string {
  return join(config.CONCORD_DATA_DIR, 'read-models.db');
}

/** Read models live in their own file: derived data, always rebuildable from the log. */
@Module({})
export class ProjectionsModule {
  static forRoot(config: ConcordConfig): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      controllers: [ProjectionsController],
      providers: [{ provide: READ_MODEL_STORE, useFactory: () => SqliteReadModelStore.open(readModelsFile(config)) }, ProjectionsService, ProjectionsContributor],
      exports: [READ_MODEL_STORE, ProjectionsService],
    };
  }
}
