import { loadConfig } from '../config/concord-config';
import { hasRole, parseRoles } from './hub-roles';

describe('hub roles', () => {
  it('defaults to all three roles in one process', () => {
    const config = loadConfig({});
    expect([...parseRoles(config.CONCORD_ROLES)]).toEqual(['ingest', 'project', 'api']);
  });

  it('reads a subset, in any order and spacing', () => {
    const config = loadConfig({ CONCORD_ROLES: ' api , ingest' });
    expect(hasRole(config, 'ingest')).toBe(true);
    expect(hasRole(config, 'api')).toBe(true);
    expect(hasRole(config, 'project')).toBe(false);
  });

  it.each(['', 'ingest,', 'ingest,,api', 'projector', 'ingest;api', 'INGEST'])('refuses %j with the list of roles', (value) => {
    if (value === '') {
      // Empty means unset: the default applies.
      expect(loadConfig({ CONCORD_ROLES: value }).CONCORD_ROLES).toBe('ingest,project,api');
      return;
    }
    expect(() => loadConfig({ CONCORD_ROLES: value })).toThrow(/CONCORD_ROLES must list one or more of ingest, project, api/);
  });
});

describe('read-model settings', () => {
  it('defaults to SQLite read models', () => {
    expect(loadConfig({})).toMatchObject({ CONCORD_READ_MODELS: 'sqlite', CONCORD_POSTGRES_SCHEMA: 'concord', CONCORD_PROJECTION_LEASE_MS: 15_000 });
  });

  it('needs a PostgreSQL URL for PostgreSQL read models, and checks it', () => {
    expect(() => loadConfig({ CONCORD_READ_MODELS: 'postgres' })).toThrow(/CONCORD_READ_MODELS=postgres needs CONCORD_POSTGRES_URL/);
    expect(() => loadConfig({ CONCORD_READ_MODELS: 'postgres', CONCORD_POSTGRES_URL: 'mysql://x' })).toThrow(/CONCORD_POSTGRES_URL must be a postgres:\/\/ connection URL/);
    expect(() => loadConfig({ CONCORD_READ_MODELS: 'mongo' })).toThrow(/CONCORD_READ_MODELS must be sqlite or postgres/);
    expect(() => loadConfig({ CONCORD_POSTGRES_SCHEMA: 'Bad-Name' })).toThrow(/CONCORD_POSTGRES_SCHEMA/);
    expect(() => loadConfig({ CONCORD_PROJECTION_LEASE_MS: '100' })).toThrow(/CONCORD_PROJECTION_LEASE_MS/);
    expect(loadConfig({ CONCORD_READ_MODELS: 'postgres', CONCORD_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/test' })).toMatchObject({
      CONCORD_READ_MODELS: 'postgres',
      CONCORD_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/test',
    });
  });
});

describe('configuration errors', () => {
  it('never repeat a password from a connection URL', () => {
    expect(() => loadConfig({ CONCORD_POSTGRES_URL: 'postgres://app:s3cret@db:5432/x y' })).toThrow(/postgres:\/\/app:\*\*\*@db/);
    expect(() => loadConfig({ CONCORD_POSTGRES_URL: 'postgres://app:s3cret@db:5432/x y' })).not.toThrow(/s3cret/);
  });
});
