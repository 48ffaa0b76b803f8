import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { CorruptedHistoryError } from '@concord/common';
import { redactKurrentUrl } from '@concord/event-store';
import { ConfigError, loadConfig, type ConcordConfig } from './config/concord-config';
import { createHubApp } from './create-hub-app';
import { WebhookConfigError } from './webhooks/webhook-config';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createHubApp(config);
  // Close the app (which flushes and closes the event log) and then exit normally, so that
  // exit-time work such as --cpu-prof output still happens.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Concord failed to shut down cleanly:', error);
          process.exit(1);
        },
      );
    });
  }
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const shownHost = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
  new Logger('Concord').log(
    `hub listening on http://${shownHost}:${port} (API /v1, dashboard /ui, OpenAPI /docs, health /health); ${describeEventLog(config)}; roles ${config.CONCORD_ROLES}; read models in ${config.CONCORD_READ_MODELS === 'postgres' ? `PostgreSQL schema ${config.CONCORD_POSTGRES_SCHEMA}` : 'SQLite'}`,
  );
}

function describeEventLog(config: ConcordConfig): string {
  if (config.CONCORD_EVENT_STORE === 'kurrentdb') {
    return `event log on KurrentDB ${redactKurrentUrl(config.CONCORD_KURRENTDB_URL!)}, quarantine in ${resolve(config.CONCORD_DATA_DIR)}`;
  }
  return `event log in ${resolve(config.CONCORD_DATA_DIR)}`;
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof WebhookConfigError || error instanceof CorruptedHistoryError) {
    console.error(`Concord cannot start: ${error.message}`);
  } else {
    console.error('Concord failed to start:', error);
  }
  process.exit(1);
});
