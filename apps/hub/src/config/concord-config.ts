import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';
import { KURRENTDB_URL_PATTERN } from '@concord/event-store';
import { DEFAULT_DEAD_LETTER_TOPIC, DEFAULT_INGEST_TOPICS, DEFAULT_OUTBOUND_TOPIC, DEFAULT_OUTBOUND_TYPES } from '@concord/messaging';
import { ROLES_PATTERN } from '../roles/hub-roles';

/** `<requests per second>:<burst>` or `off`. */
const RATE_LIMIT = /^(off|\d{1,6}(\.\d{1,3})?:\d{1,7})$/;
const rateLimitMessage = (name: string) => ({ message: `${name} must be <requests per second>:<burst> (e.g. 100:200) or off` });

function toInt({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

/** `host:port[,host:port…]`: a host name, IPv4 or bracketed IPv6 address, and a port. */
const KAFKA_BROKER_LIST = /^\s*([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\s*(,\s*([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\s*)*$/;

/** A Kafka topic name (Kafka's own rule: 1..249 of letters, digits, `.`, `_`, `-`). */
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** 30 days: the largest gap threshold an audit flow view takes. */
export const MAX_GAP_MS = 30 * 24 * 3600 * 1000;

/**
 * Every setting comes from the environment, is validated at start-up, and is
 * listed in the README. Unknown CONCORD_* variables are reported, since a typo
 * in a setting's name would otherwise be silently ignored.
 */
export class ConcordConfig {
  // The type check is listed last so it runs first (decorators apply bottom-up); with
  // stopAtFirstError a word gets "must be an integer", not a range complaint.
  @Transform(toInt) @Min(0) @Max(65535) @IsInt({ message: 'PORT must be an integer' })
  PORT = 3000;

  @IsString() @Length(1, 255)
  HOST = '0.0.0.0';

  @IsString() @Length(1, 4096)
  CONCORD_DATA_DIR = './data';

  @IsIn(['FULL', 'NORMAL'], { message: 'CONCORD_SQLITE_SYNCHRONOUS must be FULL or NORMAL' })
  CONCORD_SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL' = 'FULL';

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], {
    message: 'CONCORD_LOG_LEVEL must be one of fatal, error, warn, log, debug, verbose',
  })
  CONCORD_LOG_LEVEL = 'log';

  @IsOptional() @Transform(toInt) @Min(1) @Max(10_000) @IsInt()
  CONCORD_MAX_EVENTS_PER_COMMIT = 5000;

  /** Where the event log lives: the embedded SQLite file, or a KurrentDB / EventStoreDB cluster. */
  @IsIn(['sqlite', 'kurrentdb'], { message: 'CONCORD_EVENT_STORE must be sqlite or kurrentdb' })
  CONCORD_EVENT_STORE: 'sqlite' | 'kurrentdb' = 'sqlite';

  @ValidateIf((config: ConcordConfig) => config.CONCORD_EVENT_STORE === 'kurrentdb' || config.CONCORD_KURRENTDB_URL !== undefined)
  @Matches(KURRENTDB_URL_PATTERN, {
    message: 'CONCORD_KURRENTDB_URL must be an esdb:// or esdb+discover:// connection string (required when CONCORD_EVENT_STORE=kurrentdb)',
  })
  CONCORD_KURRENTDB_URL: string | undefined = undefined;
  /** Creates an admin key with this value at start when no admin key exists (first start). Never logged. */
  @IsOptional() @IsString() @Length(24, 256, { message: 'CONCORD_BOOTSTRAP_ADMIN_KEY must be 24..256 characters' })
  CONCORD_BOOTSTRAP_ADMIN_KEY: string | undefined = undefined;

  @Matches(RATE_LIMIT, rateLimitMessage('CONCORD_RATE_LIMIT_CONNECTOR'))
  CONCORD_RATE_LIMIT_CONNECTOR = '1000:2000';

  @Matches(RATE_LIMIT, rateLimitMessage('CONCORD_RATE_LIMIT_ANALYST'))
  CONCORD_RATE_LIMIT_ANALYST = '100:200';

  @Matches(RATE_LIMIT, rateLimitMessage('CONCORD_RATE_LIMIT_AUDITOR'))
  CONCORD_RATE_LIMIT_AUDITOR = '100:200';

  @Matches(RATE_LIMIT, rateLimitMessage('CONCORD_RATE_LIMIT_ADMIN'))
  CONCORD_RATE_LIMIT_ADMIN = '100:200';

  /** Per webhook source (webhooks carry no API key). */
  @Matches(RATE_LIMIT, rateLimitMessage('CONCORD_RATE_LIMIT_WEBHOOK'))
  CONCORD_RATE_LIMIT_WEBHOOK = '200:400';

  /** Lag (events) of a running projection beyond which ingestion answers 503 with Retry-After. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000_000)
  CONCORD_MAX_PROJECTION_LAG_EVENTS = 100_000;

  /** Lag (seconds) of a projection beyond which /health/ready answers 503 and /v1/status warns. */
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400)
  CONCORD_READY_MAX_PROJECTION_LAG_SECONDS = 60;

  /** Events waiting for the event log's next commit beyond which ingestion answers 503 with Retry-After. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000_000)
  CONCORD_MAX_PENDING_EVENTS = 50_000;

  /** YAML or JSON file with per-source webhook secrets and mappings; webhooks are off when unset. */
  @IsString() @Length(0, 4096)
  CONCORD_WEBHOOKS_CONFIG = '';

  @Matches(ROLES_PATTERN, { message: 'CONCORD_ROLES must list one or more of ingest, project, api, comma-separated' })
  CONCORD_ROLES = 'ingest,project,api';

  @IsIn(['sqlite', 'postgres'], { message: 'CONCORD_READ_MODELS must be sqlite or postgres' })
  CONCORD_READ_MODELS: 'sqlite' | 'postgres' = 'sqlite';

  @IsOptional() @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'CONCORD_POSTGRES_URL must be a postgres:// connection URL' })
  CONCORD_POSTGRES_URL?: string = undefined;

  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'CONCORD_POSTGRES_SCHEMA must be a lower-case PostgreSQL name (letters, digits, _)' })
  CONCORD_POSTGRES_SCHEMA = 'concord';

  @Transform(toInt) @IsInt({ message: 'CONCORD_PROJECTION_LEASE_MS must be an integer' }) @Min(500) @Max(600_000)
  CONCORD_PROJECTION_LEASE_MS = 15_000;

  @IsOptional() @Matches(/^[A-Za-z0-9._:-]{1,100}$/, { message: 'CONCORD_INSTANCE_ID must be 1..100 of A-Z a-z 0-9 . _ : -' })
  CONCORD_INSTANCE_ID?: string = undefined;

  /** In the audit flow view, a pause longer than this between two steps is flagged as a gap (per request: ?gapMs=). */
  @Transform(toInt) @IsInt({ message: 'CONCORD_AUDIT_FLOW_GAP_MS must be an integer number of milliseconds' }) @Min(1) @Max(MAX_GAP_MS)
  CONCORD_AUDIT_FLOW_GAP_MS = 300_000;

  /** The built dashboard served at /ui; empty: `dist/ui` beside the compiled hub. */
  @IsString() @Length(0, 4096)
  CONCORD_UI_DIR = '';

  @IsIn(['thread', 'inline'], { message: 'CONCORD_SQLITE_WRITER must be thread or inline' })
  CONCORD_SQLITE_WRITER: 'thread' | 'inline' = 'thread';

  /** The Ed25519 key that signs seals (PKCS#8 PEM, created with mode 0600 on first start); empty: `seal-key.pem` in the data directory. */
  @IsString() @Length(0, 4096)
  CONCORD_SEAL_KEY_FILE = '';

  /** Seal the log digest every this many events (at events N, 2N, …); 0: only on demand (POST /v1/audit/seals). */
  @Transform(toInt) @IsInt({ message: 'CONCORD_SEAL_EVERY_EVENTS must be an integer (0: on demand only)' }) @Min(0) @Max(100_000_000)
  CONCORD_SEAL_EVERY_EVENTS = 1000;

  /** Kafka bootstrap servers; set, the hub consumes the ingest topics (ingest role) and publishes integration events (project role). */
  @IsOptional() @Matches(KAFKA_BROKER_LIST, { message: 'KAFKA_BROKERS must be host:port, comma-separated (e.g. 127.0.0.1:9092)' })
  KAFKA_BROKERS: string | undefined = undefined;

  /** Topics the hub consumes: names, or /regular expressions/ (matched against the topics that exist at start), comma-separated. */
  @IsString() @Length(1, 4096)
  CONCORD_KAFKA_TOPICS = DEFAULT_INGEST_TOPICS;

  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'CONCORD_KAFKA_GROUP_ID must be 1..200 of A-Z a-z 0-9 . _ -' })
  CONCORD_KAFKA_GROUP_ID = 'concord-hub';

  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'CONCORD_KAFKA_CLIENT_ID must be 1..200 of A-Z a-z 0-9 . _ -' })
  CONCORD_KAFKA_CLIENT_ID = 'concord-hub';

  @Matches(KAFKA_TOPIC, { message: 'CONCORD_KAFKA_DLQ_TOPIC must be a Kafka topic name' })
  CONCORD_KAFKA_DLQ_TOPIC = DEFAULT_DEAD_LETTER_TOPIC;

  /** Where integration events are published, or `off`. */
  @Matches(KAFKA_TOPIC, { message: 'CONCORD_KAFKA_OUTBOUND_TOPIC must be a Kafka topic name or off' })
  CONCORD_KAFKA_OUTBOUND_TOPIC = DEFAULT_OUTBOUND_TOPIC;

  /** Event types (source concord) published as integration events; `*` matches any characters. */
  @Matches(/^[a-z0-9.*_-]+(,[a-z0-9.*_-]+)*$/, { message: 'CONCORD_KAFKA_OUTBOUND_TYPES must be event types or patterns with *, comma-separated' })
  CONCORD_KAFKA_OUTBOUND_TYPES = DEFAULT_OUTBOUND_TYPES;

  /** Messages per append (one ingest command, one group commit) inside a fetched batch. */
  @Transform(toInt) @IsInt({ message: 'CONCORD_KAFKA_BATCH_SIZE must be an integer' }) @Min(1) @Max(5000)
  CONCORD_KAFKA_BATCH_SIZE = 1000;

  /** YAML file of reconciliation rules; empty: config/reconciliation.yaml when it exists (nothing is reconciled otherwise); `off`: none. */
  @IsString() @Length(0, 4096)
  CONCORD_RECONCILIATION_RULES = '';

  /** How often pending reconciliation items are checked against their grace period (ms); 0: never (tests sweep by hand). */
  @Transform(toInt) @IsInt({ message: 'CONCORD_RECONCILIATION_SWEEP_MS must be an integer number of milliseconds' }) @Min(0) @Max(3_600_000)
  CONCORD_RECONCILIATION_SWEEP_MS = 5_000;

  /** YAML or JSON file of stuck-flow rules (e.g. config/flows.yaml); stuck-flow detection is off when unset. */
  @IsString() @Length(0, 4096)
  CONCORD_FLOW_RULES = '';

  /** How often overdue and cleared flows are looked for and recorded (flow.overdue / flow.cleared). */
  @Transform(toInt) @IsInt({ message: 'CONCORD_FLOW_SWEEP_MS must be an integer number of milliseconds' }) @Min(100) @Max(600_000)
  CONCORD_FLOW_SWEEP_MS = 5000;
}

export const CONCORD_CONFIG = Symbol('ConcordConfig');

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const KNOWN_KEYS = new Set(Object.keys(new ConcordConfig()));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConcordConfig {
  const provided: Record<string, string> = {};
  for (const key of KNOWN_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') provided[key] = value;
  }
  const config = plainToInstance(ConcordConfig, provided);
  const problems = validateSync(config, { stopAtFirstError: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}=${shown(error.property, env[error.property])}: ${message}`),
  );
  const unknown = Object.keys(env).filter((key) => key.startsWith('CONCORD_') && !KNOWN_KEYS.has(key) && !EXTERNAL_KEYS.has(key));
  problems.push(...unknown.map((key) => `${key} is not a Concord setting (see the README for the list)`));
  if (problems.length === 0 && config.CONCORD_READ_MODELS === 'postgres' && !config.CONCORD_POSTGRES_URL) {
    problems.push('CONCORD_READ_MODELS=postgres needs CONCORD_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/concord)');
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/** Settings whose values are credentials: an error names them but never prints them. */
const SECRET_KEYS = new Set<string>(['CONCORD_BOOTSTRAP_ADMIN_KEY']);

function shown(key: string, value: string | undefined): string {
  return SECRET_KEYS.has(key) ? '(hidden)' : JSON.stringify(redactPassword(value));
}

/** Connection URLs may carry a password; an error message must not. */
function redactPassword(value: string | undefined): string | undefined {
  return value?.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/** CONCORD_* settings owned by other modules (they validate their own). */
const EXTERNAL_KEYS = new Set<string>([]);
