import type { Page, Route } from 'playwright-core';

/**
 * Answers for the APIs of issues 4 (reconciliation, stuck flows) and 5 (audit)
 * that are not on this hub yet, in the shapes their branches build, served to
 * the browser by Playwright. They show the pages render real data; the rest of
 * the page still talks to the real hub.
 */
const NOW = new Date().toISOString();
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const mismatch = {
  id: 'mismatch:order/SO-1001:status',
  kind: 'mismatch',
  status: 'open',
  subject: { type: 'order', id: 'SO-1001' },
  field: 'status',
  values: { erp: 'COMPLETED', crm: 'pending' },
  since: minutesAgo(30),
  dueAt: minutesAgo(25),
  openedAt: minutesAgo(25),
  evidence: ['erp-evt-3', 'crm-evt-1'],
  episode: 5,
};
const missing = {
  id: 'missing:order/SO-1002:billing',
  kind: 'missing',
  status: 'open',
  subject: { type: 'order', id: 'SO-1002' },
  source: 'billing',
  values: { erp: 'known', crm: 'known', billing: null },
  since: minutesAgo(90),
  dueAt: minutesAgo(60),
  evidence: ['erp-evt-2'],
  episode: 3,
};

export const STUBBED = {
  reconciliationPage: {
    rulesVersion: 'r-5f2c9a',
    asOf: NOW,
    summary: { matched: 1, pending: 0, mismatch: 1, missing: 1, duplicate: 0, unmapped: 0 },
    items: [mismatch, missing],
  },
  item: {
    ...mismatch,
    history: [
      { change: 'started', at: minutesAgo(30), eventId: 'erp-evt-3', values: { erp: 'COMPLETED', crm: 'pending' } },
      { change: 'opened', at: minutesAgo(25) },
    ],
  },
  comparison: {
    rulesVersion: 'r-5f2c9a',
    asOf: NOW,
    subject: { type: 'order', id: 'SO-1001' },
    verdict: 'mismatch',
    sources: { erp: { known: true }, crm: { known: true } },
    fields: [
      { field: 'status', verdict: 'mismatch', values: { erp: { present: true, value: 'COMPLETED', canonical: 'done', eventId: 'erp-evt-3' }, crm: { present: true, value: 'pending', canonical: 'open', eventId: 'crm-evt-1' } } },
      { field: 'total.amount', verdict: 'matched', tolerance: 0.01, values: { erp: { present: true, value: 120, canonical: 120 }, crm: { present: true, value: 120, canonical: 120 } } },
    ],
    links: [],
    items: [],
  },
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
    sealer: { recordedUpTo: 9, lag: 2, sealEveryEvents: 1000 },
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
  await page.route(/\/v1\/reconciliation(\/|\?|$)/, (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('format') === 'csv') return route.fulfill({ status: 200, contentType: 'text/csv', body: 'id,kind\nmismatch:order/SO-1001:status,mismatch\n' });
    if (url.pathname.startsWith('/v1/reconciliation/items/')) return ok(route, STUBBED.item);
    if (url.pathname === '/v1/reconciliation/order/SO-1001') return ok(route, STUBBED.comparison);
    if (url.pathname === '/v1/reconciliation') return ok(route, STUBBED.reconciliationPage);
    return route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ statusCode: 404, message: 'not reconciled' }) });
  });
  await page.route(/\/v1\/flows\/stuck/, (route) => ok(route, STUBBED.stuck));
  await page.route(/\/v1\/audit\/seals/, (route) => ok(route, STUBBED.seals));
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
