import { Module, type DynamicModule } from '@nestjs/common';
import { READ_MODEL_STORE } from '@concord/projections';
import type { ConcordConfig } from '../config/concord-config';
import { ProjectionsContributor } from './projections.contributor';
import { ProjectionsController } from './projections.controller';
import { INSTANCE_ID, ProjectionsService } from './projections.service';
import { instanceIdFor, openReadModelStore } from './read-model-store.factory';

export { readModelsFile } from './read-model-store.factory';

/** Read models live apart from the log (SQLite file or PostgreSQL): derived data, always rebuildable from it. */
@Module({})
export class ProjectionsModule {
  static forRoot(config: ConcordConfig): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      controllers: [ProjectionsController],
      providers: [
        { provide: READ_MODEL_STORE, useFactory: () => openReadModelStore(config) },
        { provide: INSTANCE_ID, useValue: instanceIdFor(config) },
        ProjectionsService,
        ProjectionsContributor,
      ],
      exports: [READ_MODEL_STORE, ProjectionsService],
    };
  }
}
