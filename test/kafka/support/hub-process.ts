/**
 * The hub as its own process, for Kafka tests that kill it (node -r @swc-node/register).
 * Prints `LISTENING <port>` once it serves. With KAFKA_TEST_DIE_AFTER_CHUNKS=N it
 * SIGKILLs itself right after the N-th chunk is durable in the log and before its
 * offsets are resolved or committed: the worst moment, hit exactly, in a real process.
 */
import 'reflect-metadata';
import { loadConfig } from '../../../apps/hub/src/config/concord-config';
import { createHubApp } from '../../../apps/hub/src/create-hub-app';

async function main(): Promise<void> {
  const dieAfter = Number(process.env.KAFKA_TEST_DIE_AFTER_CHUNKS ?? 0);
  let chunks = 0;
  const { KAFKA_TEST_DIE_AFTER_CHUNKS: _hook, ...env } = process.env;
  const app = await createHubApp(loadConfig(env), {
    kafkaHooks: {
      afterDurable(chunk) {
        chunks++;
        if (dieAfter > 0 && chunks === dieAfter) {
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
