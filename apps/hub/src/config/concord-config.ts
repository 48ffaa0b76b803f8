import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';
import { KURRENTDB_URL_PATTERN } from '@concord/event-store';

function toInt({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

/** 30 days: the largest gap threshold an audit flow view takes. */
export const MAX_GAP_MS = 30 * 24 * 3600 * 1000;

/**
 * Every setting comes from the environment, is validated at start-up, and is
 * listed in the README. Unknown CONCORD_* variables are reported, since a typo
 * in a setting's name would otherwise be silently ignored.
 */
export class ConcordConfig {
  @Transform(toInt) @IsInt({ message: 'PORT must be an integer' }) @Min(0) @Max(65535)
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

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  CONCORD_MAX_EVENTS_PER_COMMIT = 5000;

  /** Where the event log lives: the embedded SQLite file, or a KurrentDB / EventStoreDB cluster. */
  @IsIn(['sqlite', 'kurrentdb'], { message: 'CONCORD_EVENT_STORE must be sqlite or kurrentdb' })
  CONCORD_EVENT_STORE: 'sqlite' | 'kurrentdb' = 'sqlite';

  @ValidateIf((config: ConcordConfig) => config.CONCORD_EVENT_STORE === 'kurrentdb' || config.CONCORD_KURRENTDB_URL !== undefined)
  @Matches(KURRENTDB_URL_PATTERN, {
    message: 'CONCORD_KURRENTDB_URL must be an esdb:// or esdb+discover:// connection string (required when CONCORD_EVENT_STORE=kurrentdb)',
  })
  CONCORD_KURRENTDB_URL: string | undefined = undefined;

  /** In the audit flow view, a pause longer than this between two steps is flagged as a gap (per request: ?gapMs=). */
  @Transform(toInt) @IsInt({ message: 'CONCORD_AUDIT_FLOW_GAP_MS must be an integer number of milliseconds' }) @Min(1) @Max(MAX_GAP_MS)
  CONCORD_AUDIT_FLOW_GAP_MS = 300_000;
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
  const problems = validateSync(config).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}=${JSON.stringify(env[error.property])}: ${message}`),
  );
  const unknown = Object.keys(env).filter((key) => key.startsWith('CONCORD_') && !KNOWN_KEYS.has(key) && !EXTERNAL_KEYS.has(key));
  problems.push(...unknown.map((key) => `${key} is not a Concord setting (see the README for the list)`));
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/** CONCORD_* settings owned by other modules (they validate their own). */
const EXTERNAL_KEYS = new Set<string>(['CONCORD_BOOTSTRAP_ADMIN_KEY', 'CONCORD_RECONCILIATION_RULES', 'CONCORD_KURRENTDB_URL', 'CONCORD_ROLES']);
