import { DEMO_FAULTS, parseFaults, type FaultRates } from './faults';

export interface SimOptions {
  readonly transport: 'http' | 'kafka';
  readonly url: string;
  readonly key: string | undefined;
  readonly brokers: string[];
  readonly seed: number;
  readonly orders: number;
  readonly customers: number | undefined;
  readonly faults: FaultRates;
  readonly lanes: number;
  readonly batch: number;
  readonly rate: number | undefined;
  readonly start: string;
  readonly dryRun: boolean;
  readonly plan: boolean;
}

/** Fixed, so a repeated run is the same events (all duplicates to a hub that has them), not a clash. */
export const DEFAULT_START = '2026-11-21T08:00:00.000Z';

export const USAGE = `connector-sim: plays ERP, CRM and billing systems publishing to a Concord hub.

  npm run connector-sim -- [options]

  --transport http|kafka   how to publish (http)
  --url URL                the hub, for http (http://localhost:3000)
  --key KEY                API key for http (default: $CONCORD_API_KEY)
  --brokers host:port,...  Kafka bootstrap servers, for kafka (default: $KAFKA_BROKERS)
  --seed N                 the run's seed: same seed and options, same events (1)
  --orders N               orders to play (200); customers default to one per five orders
  --customers N
  --faults SPEC            none | demo | name=rate,... | demo,name=rate (demo)
                           names: duplicates lateRetries reorder drops conflicts twins bursts
  --lanes N                parallel senders; one subject always uses the same lane (4)
  --batch N                events per request (500)
  --rate N                 events per second overall (as fast as the hub answers)
  --start ISO              virtual start of the run (${DEFAULT_START}); part of what the seed
                           reproduces: the same seed with another start reuses ids for other content,
                           which a hub that has the first run refuses (id-reused-with-different-content)
  --dry-run                print the deliveries as NDJSON instead of sending them
  --plan                   print what was planted (JSON) at the end`;

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

const FLAGS = new Set(['dry-run', 'plan', 'help']);
const VALUED = new Set(['transport', 'url', 'key', 'brokers', 'seed', 'orders', 'customers', 'faults', 'lanes', 'batch', 'rate', 'start']);

/** Reads the command line; every problem is named, all at once. */
export function parseSimOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SimOptions | 'help' {
  const given = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && FLAGS.has(name)) given.set(name, 'true');
    else if (name !== undefined && VALUED.has(name) && argv[i + 1] !== undefined) given.set(name, argv[++i]!);
    else problems.push(name !== undefined && VALUED.has(name) ? `${arg} needs a value` : `unknown argument ${JSON.stringify(arg)}`);
  }
  if (given.has('help')) return 'help';
  const integer = (name: string, fallback: number | undefined, min: number): number | undefined => {
    const raw = given.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) problems.push(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
    return value;
  };
  const transport = given.get('transport') ?? 'http';
  if (transport !== 'http' && transport !== 'kafka') problems.push(`--transport must be http or kafka, got ${JSON.stringify(transport)}`);
  let faults = DEMO_FAULTS;
  try {
    faults = parseFaults(given.get('faults') ?? 'demo');
  } catch (error) {
    problems.push(`--faults: ${(error as Error).message}`);
  }
  const start = given.get('start');
  if (start !== undefined && Number.isNaN(Date.parse(start))) problems.push(`--start must be an ISO instant, got ${JSON.stringify(start)}`);
  const brokers = (given.get('brokers') ?? env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  const key = given.get('key') ?? env.CONCORD_API_KEY;
  const dryRun = given.has('dry-run');
  if (!dryRun && transport === 'http' && !key) problems.push('http needs an API key: --key or CONCORD_API_KEY');
  if (!dryRun && transport === 'kafka' && brokers.length === 0) problems.push('kafka needs brokers: --brokers or KAFKA_BROKERS');
  const options = {
    transport: transport as 'http' | 'kafka',
    url: given.get('url') ?? 'http://localhost:3000',
    key,
    brokers,
    seed: integer('seed', 1, 0)!,
    orders: integer('orders', 200, 0)!,
    customers: integer('customers', undefined, 1),
    faults,
    lanes: integer('lanes', 4, 1)!,
    batch: integer('batch', 500, 1)!,
    rate: integer('rate', undefined, 1),
    start: start ?? DEFAULT_START,
    dryRun,
    plan: given.has('plan'),
  };
  if (problems.length > 0) throw new OptionsError(problems.join('\n'));
  return options;
}
