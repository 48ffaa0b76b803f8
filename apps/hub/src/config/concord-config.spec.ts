import { ConcordConfig, ConfigError, loadConfig } from './concord-config';

describe('event log selection (CONCORD_EVENT_STORE, CONCORD_KURRENTDB_URL)', () => {
  it('defaults to the embedded SQLite log', () => {
    expect(loadConfig({})).toMatchObject({ CONCORD_EVENT_STORE: 'sqlite', CONCORD_KURRENTDB_URL: undefined });
  });

  it('takes KurrentDB with an esdb:// or esdb+discover:// connection string', () => {
    expect(loadConfig({ CONCORD_EVENT_STORE: 'kurrentdb', CONCORD_KURRENTDB_URL: 'esdb://kurrentdb:2113?tls=false' })).toMatchObject({
      CONCORD_EVENT_STORE: 'kurrentdb',
      CONCORD_KURRENTDB_URL: 'esdb://kurrentdb:2113?tls=false',
    });
    expect(loadConfig({ CONCORD_EVENT_STORE: 'kurrentdb', CONCORD_KURRENTDB_URL: 'esdb+discover://admin:changeit@cluster:2113' }).CONCORD_EVENT_STORE).toBe(
      'kurrentdb',
    );
  });

  it('refuses KurrentDB without a connection string, naming the setting', () => {
    expect(() => loadConfig({ CONCORD_EVENT_STORE: 'kurrentdb' })).toThrow(/CONCORD_KURRENTDB_URL must be an esdb:\/\/ or esdb\+discover:\/\/ connection string/);
  });

  it('refuses a connection string of another kind, even when it would not be used', () => {
    expect(() => loadConfig({ CONCORD_EVENT_STORE: 'kurrentdb', CONCORD_KURRENTDB_URL: 'http://kurrentdb:2113' })).toThrow(ConfigError);
    expect(() => loadConfig({ CONCORD_KURRENTDB_URL: 'kurrentdb:2113' })).toThrow(/CONCORD_KURRENTDB_URL/);
  });

  it('refuses an unknown event store', () => {
    expect(() => loadConfig({ CONCORD_EVENT_STORE: 'postgres' })).toThrow(/CONCORD_EVENT_STORE must be sqlite or kurrentdb/);
  });
});

describe('audit flow gap threshold (CONCORD_AUDIT_FLOW_GAP_MS)', () => {
  it('defaults to five minutes and takes whole milliseconds', () => {
    expect(loadConfig({}).CONCORD_AUDIT_FLOW_GAP_MS).toBe(300_000);
    expect(loadConfig({ CONCORD_AUDIT_FLOW_GAP_MS: '60000' }).CONCORD_AUDIT_FLOW_GAP_MS).toBe(60_000);
  });

  it('refuses zero, negative, fractional, non-numeric and absurdly large values', () => {
    for (const value of ['0', '-5', '1.5', 'five minutes', String(31 * 24 * 3600 * 1000)]) {
      expect(() => loadConfig({ CONCORD_AUDIT_FLOW_GAP_MS: value })).toThrow(/CONCORD_AUDIT_FLOW_GAP_MS/);
    }
  });
});

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toBeInstanceOf(ConcordConfig);
    expect({ ...config }).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      CONCORD_DATA_DIR: './data',
      CONCORD_SQLITE_SYNCHRONOUS: 'FULL',
      CONCORD_LOG_LEVEL: 'log',
      CONCORD_MAX_EVENTS_PER_COMMIT: 5000,
      CONCORD_SQLITE_WRITER: 'thread',
    });
  });

  it('reads every setting and converts numbers', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      CONCORD_DATA_DIR: '/var/lib/concord',
      CONCORD_SQLITE_SYNCHRONOUS: 'NORMAL',
      CONCORD_LOG_LEVEL: 'debug',
      CONCORD_MAX_EVENTS_PER_COMMIT: '100',
    });
    expect(config).toMatchObject({ PORT: 8080, HOST: '127.0.0.1', CONCORD_DATA_DIR: '/var/lib/concord', CONCORD_SQLITE_SYNCHRONOUS: 'NORMAL', CONCORD_LOG_LEVEL: 'debug', CONCORD_MAX_EVENTS_PER_COMMIT: 100 });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', CONCORD_DATA_DIR: '' })).toMatchObject({ PORT: 3000, CONCORD_DATA_DIR: './data' });
  });

  it('ignores variables that are not Concord settings', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'test' }).PORT).toBe(3000);
  });

  it('accepts port 0 (any free port) and 65535', () => {
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
    expect(loadConfig({ PORT: '65535' }).PORT).toBe(65535);
  });

  it.each([
    ['a word', 'http', /PORT="http": PORT must be an integer/],
    ['a negative port', '-1', /PORT="-1"/],
    ['a port above 65535', '70000', /PORT="70000"/],
    ['a fractional port', '80.5', /PORT="80.5"/],
  ])('refuses PORT as %s, quoting the value', (_name, value, message) => {
    expect(problemsOf({ PORT: value })).toMatch(message);
  });

  it.each([
    ['CONCORD_SQLITE_SYNCHRONOUS', 'OFF', /CONCORD_SQLITE_SYNCHRONOUS must be FULL or NORMAL/],
    ['CONCORD_LOG_LEVEL', 'loud', /CONCORD_LOG_LEVEL must be one of/],
    ['CONCORD_MAX_EVENTS_PER_COMMIT', '0', /CONCORD_MAX_EVENTS_PER_COMMIT="0"/],
    ['CONCORD_MAX_EVENTS_PER_COMMIT', 'many', /CONCORD_MAX_EVENTS_PER_COMMIT="many"/],
    ['CONCORD_SQLITE_WRITER', 'process', /CONCORD_SQLITE_WRITER must be thread or inline/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(problemsOf({ [name]: value })).toMatch(message);
  });

  it('reports an unknown CONCORD_ variable, since a misspelt setting would otherwise be ignored', () => {
    expect(problemsOf({ CONCORD_DATADIR: './x' })).toMatch(/CONCORD_DATADIR is not a Concord setting/);
  });

  it('lets other modules own their CONCORD_ settings', () => {
    expect(() => loadConfig({ CONCORD_RECONCILIATION_RULES: 'config/reconciliation.yaml' })).not.toThrow();
  });

  it('reports every problem at once', () => {
    const message = problemsOf({ PORT: 'x', CONCORD_LOG_LEVEL: 'loud', CONCORD_TYPO: '1' });
    expect(message.startsWith('invalid configuration:')).toBe(true);
    expect(message.split('\n  - ')).toHaveLength(4);
  });
});

describe('Kafka mode (KAFKA_BROKERS, CONCORD_KAFKA_*)', () => {
  it('is off unless KAFKA_BROKERS is set, with the documented defaults', () => {
    expect({ ...loadConfig({}) }).toMatchObject({
      KAFKA_BROKERS: undefined,
      CONCORD_KAFKA_TOPICS: 'concord.events.erp,concord.events.crm,concord.events.billing',
      CONCORD_KAFKA_GROUP_ID: 'concord-hub',
      CONCORD_KAFKA_DLQ_TOPIC: 'concord.dlq',
      CONCORD_KAFKA_OUTBOUND_TOPIC: 'concord.integration-events',
      CONCORD_KAFKA_OUTBOUND_TYPES: 'reconciliation.item-*,flow.*,quarantine.replayed',
      CONCORD_KAFKA_BATCH_SIZE: 1000,
    });
  });

  it('takes one or more host:port brokers and a batch size', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092', CONCORD_KAFKA_BATCH_SIZE: '250' })).toMatchObject({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092', CONCORD_KAFKA_BATCH_SIZE: 250 });
    expect(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092' }).KAFKA_BROKERS).toBe('127.0.0.1:9092');
  });

  it.each([
    ['KAFKA_BROKERS', 'kafka-1', /KAFKA_BROKERS must be host:port/],
    ['KAFKA_BROKERS', 'kafka-1:9092,', /KAFKA_BROKERS must be host:port/],
    ['KAFKA_BROKERS', 'kafka://kafka-1:9092', /KAFKA_BROKERS must be host:port/],
    ['CONCORD_KAFKA_DLQ_TOPIC', 'dead letters', /CONCORD_KAFKA_DLQ_TOPIC must be a Kafka topic name/],
    ['CONCORD_KAFKA_OUTBOUND_TOPIC', 'a/b', /CONCORD_KAFKA_OUTBOUND_TOPIC must be a Kafka topic name or off/],
    ['CONCORD_KAFKA_OUTBOUND_TYPES', 'flow.*,,x', /CONCORD_KAFKA_OUTBOUND_TYPES must be event types/],
    ['CONCORD_KAFKA_GROUP_ID', 'hub group', /CONCORD_KAFKA_GROUP_ID must be/],
    ['CONCORD_KAFKA_BATCH_SIZE', '0', /CONCORD_KAFKA_BATCH_SIZE/],
    ['CONCORD_KAFKA_BATCH_SIZE', '5001', /CONCORD_KAFKA_BATCH_SIZE/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
