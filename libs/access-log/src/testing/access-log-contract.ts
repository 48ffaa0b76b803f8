import type { AccessLog, AccessRecordInput } from '../access-log.port';

export interface AccessLogUnderTest {
  readonly log: AccessLog;
  /** Closes and reopens the same log (a restart), when the adapter can. */
  readonly reopen?: () => Promise<AccessLog>;
  readonly teardown: () => Promise<void>;
}

export function anAccess(overrides: Partial<AccessRecordInput> = {}): AccessRecordInput {
  return {
    at: '2026-11-21T10:00:00.000Z',
    principal: 'key-auditor',
    requestId: 'req-1',
    ip: '10.0.0.7',
    method: 'GET',
    route: '/v1/audit/entities/:type/:id',
    url: '/v1/audit/entities/order/SO-1',
    status: 200,
    ...overrides,
  };
}

/** The behaviour every AccessLog adapter must show; each adapter's spec calls this once. */
export function describeAccessLogContract(adapter: string, create: () => Promise<AccessLogUnderTest>): void {
  describe(`AccessLog contract: ${adapter}`, () => {
    let subject: AccessLogUnderTest;
    let log: AccessLog;

    beforeEach(async () => {
      subject = await create();
      log = subject.log;
    });

    afterEach(() => subject.teardown());

    it('returns what it recorded, with increasing sequence numbers', async () => {
      const first = await log.record(anAccess());
      const second = await log.record(anAccess({ principal: 'anonymous', role: 'auditor', route: undefined, url: '/v1/audit/nope', status: 404 }));
      expect(first).toEqual({ seq: first.seq, ...anAccess() });
      expect(second.seq).toBeGreaterThan(first.seq);
      expect(second).toMatchObject({ principal: 'anonymous', role: 'auditor', url: '/v1/audit/nope', status: 404 });
      expect(second).not.toHaveProperty('route');
    });

    it('lists newest first and pages by sequence without gaps or repeats', async () => {
      for (let i = 0; i < 7; i++) await log.record(anAccess({ requestId: `req-${i}` }));
      const seen: string[] = [];
      let beforeSeq: number | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await log.list({ limit: 3, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
        seen.push(...page.items.map((r) => r.requestId));
        if (!page.hasMore) break;
        beforeSeq = page.items[page.items.length - 1]!.seq;
      }
      expect(seen).toEqual(['req-6', 'req-5', 'req-4', 'req-3', 'req-2', 'req-1', 'req-0']);
    });

    it('filters by principal and by time, in any zone the caller writes it', async () => {
      await log.record(anAccess({ principal: 'key-a', at: '2026-11-21T09:00:00.000Z', requestId: 'a-early' }));
      await log.record(anAccess({ principal: 'key-b', at: '2026-11-21T10:00:00.000Z', requestId: 'b' }));
      await log.record(anAccess({ principal: 'key-a', at: '2026-11-21T11:00:00.000Z', requestId: 'a-late' }));
      const ids = async (filter: Parameters<AccessLog['list']>[0]) => (await log.list(filter)).items.map((r) => r.requestId);
      expect(await ids({ limit: 10, principal: 'key-a' })).toEqual(['a-late', 'a-early']);
      expect(await ids({ limit: 10, since: '2026-11-21T10:00:00Z' })).toEqual(['a-late', 'b']);
      expect(await ids({ limit: 10, since: '2026-11-21T11:00:00+01:00' })).toEqual(['a-late', 'b']);
      expect(await ids({ limit: 10, principal: 'key-a', since: '2026-11-21T10:00:00Z' })).toEqual(['a-late']);
      expect(await ids({ limit: 10, principal: 'nobody' })).toEqual([]);
    });

    it('treats filter values as data, not as query text', async () => {
      await log.record(anAccess({ principal: "x' OR '1'='1" }));
      await log.record(anAccess({ principal: 'key-a' }));
      expect((await log.list({ limit: 10, principal: "x' OR '1'='1" })).items).toHaveLength(1);
      expect((await log.list({ limit: 10, principal: "' OR 1=1 --" })).items).toHaveLength(0);
    });

    it('keeps every record across a restart', async () => {
      if (!subject.reopen) return;
      await log.record(anAccess({ requestId: 'before-restart' }));
      log = await subject.reopen();
      const after = await log.record(anAccess({ requestId: 'after-restart' }));
      const page = await log.list({ limit: 10 });
      expect(page.items.map((r) => r.requestId)).toEqual(['after-restart', 'before-restart']);
      expect(after.seq).toBeGreaterThan(page.items[1]!.seq);
    });
  });
}
