import { Logger, ValidationPipe, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { ContractRegistry } from '@concord/contracts';
import { HubModule } from './app.module';
import type { ConcordConfig } from './config/concord-config';
import { installJsonBodyParser } from './http/json-body-parser';
import { mountOpenApi } from './http/openapi';
import { StoreUnavailableFilter } from './http/store-unavailable.filter';
import { MAX_BODY_BYTES } from './ingest/ingest-body';
import { CONTRACT_REGISTRY, type HubRuntime } from './storage/storage.module';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

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
  const level = config.CONCORD_LOG_LEVEL as LogLevel;
  const app = await NestFactory.create<NestFastifyApplication>(HubModule.forRoot(config, runtime), adapter, {
    logger: LEVELS.slice(0, LEVELS.indexOf(level) + 1),
    bufferLogs: false,
    bodyParser: false,
  });
  installJsonBodyParser(app.getHttpAdapter().getInstance());
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  app.useGlobalFilters(new StoreUnavailableFilter());
  mountOpenApi(app, app.get<ContractRegistry>(CONTRACT_REGISTRY));
  app.getHttpAdapter().getInstance().addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  Logger.flush();
  return app;
}
