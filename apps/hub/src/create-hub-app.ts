import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import { randomUUID } from 'node:crypto';
import { ApiKeys } from '@concord/access';
import type { ContractRegistry } from '@concord/contracts';
import { RouteCatalog, installRouteAccess } from './access/route-catalog';
import { HubModule } from './app.module';
import type { ConcordConfig } from './config/concord-config';
import { installJsonBodyParser } from './http/json-body-parser';
import { mountOpenApi } from './http/openapi';
import { CorruptedHistoryFilter } from './http/corrupted-history.filter';
import { StoreUnavailableFilter } from './http/store-unavailable.filter';
import { MAX_BODY_BYTES } from './ingest/ingest-body';
import { CONTRACT_REGISTRY, type HubRuntime } from './storage/storage.module';
import { createHubLogger, NestPinoLogger } from './logging/hub-logger';
import { HubMetrics } from './operations/hub-metrics';
import { installRequestTelemetry } from './operations/request-telemetry';
import { UI_BUNDLE, type UiBundle } from './ui/ui-bundle';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Builds the hub's HTTP application; `main.ts` listens on it, e2e tests inject requests into it. */
export async function createHubApp(config: ConcordConfig, runtime: HubRuntime = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // A caller's request id is kept when it is safe to echo into logs and headers.
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const offered = request.headers['x-request-id'];
      return typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : (runtime.ids?.next('req') ?? randomUUID());
    },
    logger: false,
  });
  const logger = createHubLogger(config.CONCORD_LOG_LEVEL, runtime.logDestination);
  const app = await NestFactory.create<NestFastifyApplication>(HubModule.forRoot(config, runtime, logger), adapter, {
    logger: new NestPinoLogger(logger),
    bodyParser: false,
    // Start-up errors (bad webhook configuration…) reach the caller instead of ending the process.
    abortOnError: false,
  });
  installRouteAccess(app.getHttpAdapter().getInstance(), app.get(ApiKeys), app.get(RouteCatalog));
  installRequestTelemetry(app.getHttpAdapter().getInstance(), app.get(HubMetrics), logger);
  installJsonBodyParser(app.getHttpAdapter().getInstance());
  // Only `reply.sendFile` for the dashboard's controller: its routes stay in Nest's router, with @Public.
  await app.register(fastifyStatic, { root: app.get<UiBundle>(UI_BUNDLE).dir, serve: false, dotfiles: 'deny', suppressWarning: true });
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  app.useGlobalFilters(new StoreUnavailableFilter(), new CorruptedHistoryFilter());
  mountOpenApi(app, app.get<ContractRegistry>(CONTRACT_REGISTRY));
  app.getHttpAdapter().getInstance().addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  return app;
}
