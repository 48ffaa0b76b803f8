import 'reflect-metadata';
import { Kafka, logLevel } from 'kafkajs';
import { HttpPublisher, KafkaPublisher, type EventPublisher } from '@concord/connector-sdk';
import { OptionsError, parseSimOptions, USAGE, type SimOptions } from './options';
import { publishTraffic } from './publish-traffic';
import { describePlanted, describeRun } from './report';
import { generateTraffic } from './traffic';

async function main(): Promise<number> {
  let options: SimOptions | 'help';
  try {
    options = parseSimOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { start } = options;
  const traffic = generateTraffic({ seed: options.seed, orders: options.orders, ...(options.customers ? { customers: options.customers } : {}), start, faults: options.faults });
  if (options.dryRun) {
    // `| head` closes the pipe early: that is the reader's choice, not a failure.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
    for (const d of traffic.deliveries) process.stdout.write(`${JSON.stringify({ at: d.at, system: d.system, ...(d.fault ? { fault: d.fault } : {}), envelope: d.envelope })}\n`);
    if (options.plan) console.error(JSON.stringify(traffic.planted, null, 2));
    return 0;
  }
  console.log(`seed ${options.seed}, start ${start}: ${traffic.deliveries.length} deliveries of ${traffic.uniqueEvents} events; ${describePlanted(traffic.planted)}`);
  const publisher = await connect(options);
  try {
    const report = await publishTraffic(traffic.deliveries, () => publisher, {
      lanes: options.lanes,
      batchSize: options.batch,
      ...(options.rate ? { ratePerSecond: options.rate } : {}),
    });
    console.log(describeRun(report, traffic));
    if (options.plan) console.log(JSON.stringify(traffic.planted, null, 2));
    return report.counts.failed > 0 ? 1 : 0;
  } finally {
    await publisher.close();
  }
}

async function connect(options: SimOptions): Promise<EventPublisher> {
  if (options.transport === 'http') {
    return new HttpPublisher({
      url: options.url,
      apiKey: options.key!,
      onRetry: (n) => console.warn(`retrying ${n.events} event(s) in ${n.delayMs} ms after attempt ${n.attempt}: ${n.cause}`),
    });
  }
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const kafka = new Kafka({ clientId: 'concord-connector-sim', brokers: options.brokers, logLevel: logLevel.WARN });
  return KafkaPublisher.connect({ kafka, onRetry: (n) => console.warn(`resending ${n.events} event(s) in ${n.delayMs} ms: ${n.cause}`) });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('connector-sim failed:', error);
    process.exit(1);
  },
);
