import { ConfigError, loadConfig } from './concord-config';

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
