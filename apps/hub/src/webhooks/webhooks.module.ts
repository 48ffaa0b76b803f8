import { Module, type DynamicModule } from '@nestjs/common';
import { resolve } from 'node:path';
import type { ConcordConfig } from '../config/concord-config';
import { loadWebhookSources } from './webhook-config';
import { WEBHOOK_SOURCES, WebhookIntake } from './webhook-intake';
import { WebhooksController } from './webhooks.controller';

@Module({})
export class WebhooksModule {
  /** Webhook sources are read once at start-up; a bad file or a missing secret stops the hub with the reasons. */
  static forRoot(config: ConcordConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: WebhooksModule,
      controllers: [WebhooksController],
      providers: [
        { provide: WEBHOOK_SOURCES, useFactory: () => (config.CONCORD_WEBHOOKS_CONFIG ? loadWebhookSources(resolve(config.CONCORD_WEBHOOKS_CONFIG), env) : new Map()) },
        WebhookIntake,
      ],
      exports: [WebhookIntake],
    };
  }
}
