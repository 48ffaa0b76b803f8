import { Module, type DynamicModule } from '@nestjs/common';
import type { ConcordConfig } from '../config/concord-config';
import { locateUiBundle, UI_BUNDLE } from './ui-bundle';
import { UiController } from './ui.controller';

/** The dashboard's static files at `/ui` (see `apps/ui`). */
@Module({})
export class UiModule {
  static forRoot(config: ConcordConfig): DynamicModule {
    return { module: UiModule, controllers: [UiController], providers: [{ provide: UI_BUNDLE, useValue: locateUiBundle(config.CONCORD_UI_DIR) }] };
  }
}
