/**
 * The hub as its own process, for Kafka tests that kill it (node -r @swc-node/register).
 * Prints `LISTENING <port>` once it serves. With KAFKA_TEST_DIE_AFTER_CHUNKS=N it
 * SIGKILLs itself right after the N-th new chunk is durable in the log and before its
 * offsets are resolved or committed: the worst moment, hit exactly, in a real process.
 * A new chunk reaches past the offsets the log held when this process started: a
 * process that only met redeliveries would die where its predecessor died, and a
 * series of kills would not get past the first one.
 */
import 'reflect-metadata';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DurableChunk } from '@concord/messaging';
import { loadConfig } from '../../../apps/hub/src/config/concord-config';
import { createHubApp } from '../../../apps/hub/src/create-hub-app';

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/** The highest Kafka offset stored per topic partition, read before the hub opens the log. */
function storedOffsets(dataDir: string): Map<string, bigint> {
  const file = join(dataDir, 'events.db');
  if (!existsSync(file)) return new Map();
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT json_extract(transport, '$.topic') AS topic, json_extract(transport, '$.partition') AS partition,
                max(CAST(json_extract(transport, '$.offset') AS INTEGER)) AS offset
         FROM events WHERE json_extract(transport, '$.kind') = 'kafka' GROUP BY 1, 2`,
      )
      .all() as Array<{ topic: string; partition: number; offset: number }>;
    return new Map(rows.map((row) => [partitionKey(row.topic, row.partition), BigInt(row.offset)]));
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const dieAfter = Number(process.env.KAFKA_TEST_DIE_AFTER_CHUNKS ?? 0);
  const { KAFKA_TEST_DIE_AFTER_CHUNKS: _hook, ...env } = process.env;
  const config = loadConfig(env);
  const before = dieAfter > 0 ? storedOffsets(config.CONCORD_DATA_DIR) : new Map<string, bigint>();
  let newChunks = 0;
  const isNew = (chunk: DurableChunk) => BigInt(chunk.lastOffset) > (before.get(partitionKey(chunk.topic, chunk.partition)) ?? -1n);
  const app = await createHubApp(config, {
    kafkaHooks: {
      afterDurable(chunk) {
        if (dieAfter > 0 && isNew(chunk) && ++newChunks === dieAfter) {
          process.stdout.write(`DYING ${JSON.stringify(chunk)}\n`);
          process.kill(process.pid, 'SIGKILL');
        }
      },
    },
  });
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : 0}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
