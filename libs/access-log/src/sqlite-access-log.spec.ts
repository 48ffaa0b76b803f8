import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAccessLog } from './sqlite-access-log';
import { anAccess, describeAccessLogContract } from './testing/access-log-contract';

describeAccessLogContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-access-log-'));
  const file = join(dir, 'audit-access.db');
  let log = SqliteAccessLog.open(file);
  return {
    log,
    reopen: async () => {
      await log.close();
      log = SqliteAccessLog.open(file);
      return log;
    },
    teardown: async () => {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite access log file', () => {
  it('refuses UPDATE and DELETE even from another connection editing the file directly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-access-log-'));
    const file = join(dir, 'audit-access.db');
    const log = SqliteAccessLog.open(file);
    try {
      await log.record(anAccess());
      const raw = new Database(file);
      expect(() => raw.prepare("UPDATE audit_access SET principal = 'someone-else'").run()).toThrow('append-only');
      expect(() => raw.prepare('DELETE FROM audit_access').run()).toThrow('append-only');
      raw.close();
      expect((await log.list({ limit: 10 })).items).toEqual([expect.objectContaining({ principal: 'key-auditor' })]);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
