import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HUB_LOGGER, type HubLogger } from './hub-logger';

@Global()
@Module({})
export class LoggingModule {
  static forRoot(logger: HubLogger): DynamicModule {
    return { module: LoggingModule, providers: [{ provide: HUB_LOGGER, useValue: logger }], exports: [HUB_LOGGER] };
  }
}
