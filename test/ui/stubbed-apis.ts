import type { Page, Route } from 'playwright-core';

/**
 * Answers for the APIs of issues 4 (stuck flows) and 5 (audit) that are not on
 * this hub yet (reconciliation is real now), in the shapes their branches build, served to
 * the browser by Playwright. They show the pages render real data; the rest of
 * the page still talks to the real hub.
 */
const NOW = new Date().toISOString();
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

export const STUBBED = {
  stuck: {
    rulesVersion: 'f-77ab01',
    asOf: NOW,
    items: [
      {
        id: 'order-reaches-crm/order/SO-1004',
        rule: 'order-reaches-crm',
        description: 'an order created in the ERP appears in the CRM within 15 minutes',
        entity: { type: 'order', id: 'SO-1004' },
        status: 'overdue',
        startedBy: { eventId: 'erp-evt-4', type: 'order.created', source: 'erp', at: minutesAgo(35) },
        expectedBy: minutesAgo(20),
        overdueForSeconds: 1200,
        overdueFor: '20m',
      },
    ],
  },
  seals: {
    seals: [
      { seq: 1, position: 4, digest: 'a3f1…', sealedAt: minutesAgo(50), keyId: 'ed25519:7c1e', signature: 'c2ln…' },
      { seq: 2, position: 7, digest: '9b0d…', sealedAt: minutesAgo(5), keyId: 'ed25519:7c1e', signature: 'c2ln…' },
    ],
    sealer: { recordedUpTo: 9, headPosition: 9, lag: 2, sealEveryEvents: 1000, lastSeq: 2 },
  },
  flow: {
    correlationId: 'flow-1001',
    steps: [
      { step: 1, eventId: 'erp-evt-1', type: 'order.created', source: 'erp', subject: { type: 'order', id: 'SO-1001' }, recordedAt: minutesAgo(120), sincePreviousMs: null },
      { step: 2, eventId: 'crm-evt-1', type: 'order.created', source: 'crm', subject: { type: 'order', id: 'SO-1001' }, recordedAt: minutesAgo(119), sincePreviousMs: 60_000 },
      { step: 3, eventId: 'erp-evt-3', type: 'order.status-changed', source: 'erp', subject: { type: 'order', id: 'SO-1001' }, recordedAt: minutesAgo(30), sincePreviousMs: 89 * 60_000 },
    ],
  },
};

const ok = (route: Route, body: unknown) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });

/** Installs the stubs on one page. Verification runs in three polls: idle, running half-way, then ok. */
export async function stubOtherBranchesApis(page: Page): Promise<{ verifyRequests: () => number }> {
  let verifyStarted = false;
  let pollsSinceStart = 0;
  let verifyPosts = 0;
  await page.route(/\/v1\/flows\/stuck/, (route) => ok(route, STUBBED.stuck));
  await page.route(/\/v1\/audit\/seals/, (route) => {
    // Paged like the hub: oldest first, seq > after, at most limit.
    const url = new URL(route.request().url());
    const after = Number(url.searchParams.get('after') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 100);
    return ok(route, { ...STUBBED.seals, seals: STUBBED.seals.seals.filter((seal) => seal.seq > after).slice(0, limit) });
  });
  await page.route(/\/v1\/audit\/flows\//, (route) => ok(route, STUBBED.flow));
  await page.route(/\/v1\/audit\/verify/, (route) => {
    if (route.request().method() === 'POST') {
      verifyStarted = true;
      verifyPosts++;
      return ok(route, { state: 'running', checked: 0, total: 9, startedAt: NOW });
    }
    if (!verifyStarted) return ok(route, { state: 'idle' });
    pollsSinceStart++;
    return ok(route, pollsSinceStart < 3 ? { state: 'running', checked: 4, total: 9, startedAt: NOW } : { state: 'ok', checked: 9, total: 9, startedAt: NOW, finishedAt: NOW });
  });
  return { verifyRequests: () => verifyPosts };
}
