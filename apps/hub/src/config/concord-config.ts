import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min, validateSync } from 'class-validator';

function toInt({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

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

  @IsIn(['thread', 'inline'], { message: 'CONCORD_SQLITE_WRITER must be thread or inline' })
  CONCORD_SQLITE_WRITER: 'thread' | 'inline' = 'thread';
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
