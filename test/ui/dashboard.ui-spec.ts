import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startSecuredHub, TEST_ADMIN_KEY, type SecuredHub } from '../e2e/support/secured-hub';
import { launchChromium } from './browser';
import { stubOtherBranchesApis } from './stubbed-apis';

const REPO = resolve(__dirname, '../..');
const BUNDLE = join(REPO, 'dist/ui');
const SHOTS = join(REPO, 'test-output/ui');
const timings: Array<[string, number]> = [];

/** The orders the dashboard is tested on: SO-1001 is COMPLETED in the ERP but pending in the CRM. */
const order = (id: string, source: string, subject: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  source,
  type: 'order.created',
  subject: { type: 'order', id: subject },
  occurredAt: '2026-11-21T09:00:00Z',
  data,
  ...extra,
});
const total = { amount: 120, currency: 'EUR' };
const BILLING_WITHOUT_TOTAL = order('billing-evt-1', 'billing', 'SO-1001', { customerId: 'C-1', status: 'OPEN' });

/** Form controls without an accessible name (label, aria-label or aria-labelledby): should be none. */
function unlabelledControls(page: Page): Promise<string[]> {
  return page.locator('input, select, textarea').evaluateAll((controls) =>
    controls
      .filter((c) => {
        const control = c as unknown as { id: string; labels: { length: number } | null; getAttribute(name: string): string | null };
        return !(control.labels?.length || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby'));
      })
      .map((c) => (c as unknown as { outerHTML: string }).outerHTML.slice(0, 120)),
  );
}

describe('the dashboard in a real browser', () => {
  let hub: SecuredHub;
  let base: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let admin: Page;
  let analystKey: string;
  let beforeStatusChange: string;
  let billingEntry: string;
  let unknownTypeEntry: string;

  const post = async (events: unknown[]) => {
    const response = await hub.inject({ method: 'POST', url: '/v1/events', payload: { events } });
    expect(response.statusCode).toBe(200);
    return response.json().results as Array<{ status: string; quarantineId?: string }>;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const timed = async (name: string, step: () => Promise<void>) => {
    const started = Date.now();
    await step();
    timings.push([name, Date.now() - started]);
  };

  beforeAll(async () => {
    const started = Date.now();
    mkdirSync(SHOTS, { recursive: true });
    // Reconciliation with its real API: rules without a grace period and a quick sweeper, so disagreements open at once.
    hub = await startSecuredHub({ env: { CONCORD_UI_DIR: BUNDLE, CONCORD_RECONCILIATION_RULES: join(__dirname, 'reconciliation-rules.yaml'), CONCORD_RECONCILIATION_SWEEP_MS: '200' } });
    await hub.app.listen(0, '127.0.0.1');
    const address = hub.app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    analystKey = await hub.keyFor('analyst');

    const first = await post([
      order('erp-evt-1', 'erp', 'SO-1001', { customerId: 'C-1', status: 'OPEN', total }, { correlationId: 'flow-1001', actor: { type: 'user', id: 'alice' } }),
      order('crm-evt-1', 'crm', 'SO-1001', { customerId: 'C-1', status: 'pending', total }, { correlationId: 'flow-1001' }),
      order('erp-evt-2', 'erp', 'SO-1002', { customerId: 'C-2', status: 'OPEN', total }),
      order('crm-evt-2', 'crm', 'SO-1002', { customerId: 'C-2', status: 'OPEN', total }),
      BILLING_WITHOUT_TOTAL,
      { ...order('erp-evt-9', 'erp', 'SO-1003', {}), type: 'order.cancelled' },
    ]);
    expect(first.map((r) => r.status)).toEqual(['appended', 'appended', 'appended', 'appended', 'rejected', 'rejected']);
    billingEntry = first[4]!.quarantineId!;
    unknownTypeEntry = first[5]!.quarantineId!;
    await new Promise((r) => setTimeout(r, 50));
    beforeStatusChange = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    const second = await post([
      {
        id: 'erp-evt-3',
        source: 'erp',
        type: 'order.status-changed',
        subject: { type: 'order', id: 'SO-1001' },
        occurredAt: '2026-11-21T11:00:00Z',
        correlationId: 'flow-1001',
        actor: { type: 'user', id: 'bob' },
        data: { status: 'COMPLETED', reason: 'shipped and invoiced' },
      },
    ]);
    expect(second[0]!.status).toBe('appended');
    browser = await launchChromium();
    admin = await browser.context.newPage();
    timings.push(['start hub, seed data, launch Chromium', Date.now() - started]);
  });

  afterAll(async () => {
    const started = Date.now();
    await browser?.close();
    await hub?.close();
    timings.push(['close Chromium and the hub', Date.now() - started]);
    console.log(`browser test timings (ms):\n${timings.map(([name, ms]) => `  ${String(ms).padStart(6)}  ${name}`).join('\n')}`);
  });

  it('logs in with an admin key and shows the live overview', () =>
    timed('login + overview', async () => {
      await admin.goto(`${base}/ui/`);
      await admin.getByLabel('API key').waitFor();
      await shot(admin, '01-login');
      await admin.getByLabel('API key').fill('concord_wrong-key-0000000000000000000000');
      await admin.getByRole('button', { name: 'Log in' }).click();
      await admin.getByText('The hub did not accept this key').waitFor();
      // Keyboard only: the key field has focus, Enter submits.
      await admin.getByLabel('API key').fill('');
      await admin.keyboard.type(TEST_ADMIN_KEY);
      await admin.keyboard.press('Enter');
      await admin.getByRole('heading', { name: 'Overview' }).waitFor();
      expect(await admin.getByTestId('identity').textContent()).toContain('admin');
      await admin.getByTestId('received-erp').waitFor();
      expect(await admin.getByTestId('received-erp').textContent()).toBe('4');
      await admin.getByTestId('projections-table').getByText('entity-view').waitFor();
      expect(await admin.getByTestId('quarantine-figures').textContent()).toContain('Open2');
      // Reconciliation is live: SO-1001's status conflict (ERP COMPLETED, CRM pending) is open.
      await admin.getByTestId('recon-card').locator('div', { hasText: 'mismatch' }).getByRole('link', { name: '1' }).waitFor({ timeout: 10_000 });
      // Features of other branches show a designed state, not an error.
      // Stuck flows exist (GET /v1/flows/stuck); this hub runs without flow rules, so nothing is overdue.
      await admin.getByTestId('flows-card').getByText('No flow is overdue').waitFor();

      // Live: a new event shows up without a reload.
      await post([order('erp-evt-4', 'erp', 'SO-1004', { customerId: 'C-4', status: 'OPEN', total })]);
      // (The page's CSP forbids evaluating strings, so the wait is a locator, not waitForFunction.)
      await admin.getByTestId('received-erp').filter({ hasText: /^5$/ }).waitFor({ timeout: 10_000 });
      await admin.locator('figure.chart svg polyline').first().waitFor({ state: 'attached', timeout: 10_000 });
      await shot(admin, '02-overview');
      // The menu is reachable with Tab and shows where the focus is.
      await admin.keyboard.press('Tab');
      await admin.keyboard.press('Tab');
      const focused = await admin.evaluate(() => {
        const element = (globalThis as unknown as { document: { activeElement: { textContent: string; tagName: string } | null } }).document.activeElement;
        return element ? `${element.tagName} ${element.textContent}` : '';
      });
      expect(focused).toBe('A Overview');
    }));

  it('finds the conflicting order and highlights both systems’ statuses', () =>
    timed('entity: find + compare', async () => {
      await admin.getByRole('link', { name: 'Entities' }).click();
      await admin.getByLabel('Type').fill('order');
      await admin.getByRole('button', { name: 'Find' }).click();
      const conflicting = admin.locator('tr.row-disagree');
      await conflicting.first().waitFor();
      expect(await conflicting.count()).toBe(1);
      expect(await conflicting.textContent()).toContain('SO-1001');
      await shot(admin, '03-entity-list');
      await conflicting.getByRole('link', { name: 'SO-1001' }).click();
      const status = admin.locator('table.comparison tr[data-field="status"]');
      await status.waitFor();
      expect(await status.locator('td[data-source="erp"]').textContent()).toBe('COMPLETED');
      expect(await status.locator('td[data-source="crm"]').textContent()).toBe('pending');
      expect(await status.locator('td.cell-differs').count()).toBe(2);
      expect(await admin.locator('table.comparison tr[data-field="customerId"] td.cell-differs').count()).toBe(0);
      expect(await admin.getByTestId('disagreement-count').textContent()).toBe('1 field disagree');
      // Sync status: billing's report of this order waits in the quarantine.
      const billing = admin.getByTestId('sync-table').locator('tr', { hasText: 'billing' });
      await billing.waitFor();
      expect(await billing.textContent()).toContain(billingEntry);
      await shot(admin, '04-entity-compare');
      expect(await unlabelledControls(admin)).toEqual([]);
    }));

  it('opens the order’s history with field diffs, and shows it as of an earlier time', () =>
    timed('entity: history + as of', async () => {
      await admin.getByRole('button', { name: /Show history/ }).click();
      const history = admin.getByTestId('history');
      await history.waitFor();
      const newest = history.locator('li.timeline-item').first();
      expect(await newest.textContent()).toContain('order.status-changed');
      expect(await newest.textContent()).toContain('user bob');
      expect(await newest.textContent()).toContain('shipped and invoiced');
      expect(await newest.locator('tr.change-changed', { hasText: 'status' }).first().textContent()).toContain('OPENCOMPLETED');
      expect(await history.locator('li.timeline-item').count()).toBe(3);
      await shot(admin, '05-entity-history');

      await admin.goto(`${base}/ui/#/entity/order/SO-1001?asOf=${encodeURIComponent(beforeStatusChange)}`);
      await admin.getByText('Showing the view as of').waitFor();
      const status = admin.locator('table.comparison tr[data-field="status"]');
      await status.locator('td[data-source="erp"]', { hasText: 'OPEN' }).waitFor();
      expect(await status.locator('td[data-source="crm"]').textContent()).toBe('pending');
      expect(await admin.locator('#as-of').inputValue()).not.toBe('');
      await shot(admin, '06-entity-as-of');
    }));

  it('replays a quarantined event with a corrected payload as admin and sees it resolved, and reports per item', () =>
    timed('quarantine: correct + replay', async () => {
      await admin.getByRole('link', { name: 'Quarantine' }).click();
      const table = admin.getByTestId('quarantine-table');
      await table.waitFor();
      expect(await table.locator('tbody tr').count()).toBe(2);
      await table.getByRole('link', { name: billingEntry }).click();
      const detail = admin.getByTestId('entry-detail');
      await detail.getByText('contract-violation').first().waitFor();
      expect(await detail.locator('pre.json').textContent()).toContain('"billing-evt-1"');
      await shot(admin, '07-quarantine-entry');
      expect(await unlabelledControls(admin)).toEqual([]);

      await detail.getByRole('button', { name: 'Correct the payload…' }).click();
      await detail.getByLabel(/Corrected payload/).fill('{ not json');
      await detail.getByRole('button', { name: 'Replay with this payload' }).click();
      await detail.getByText('not valid JSON').waitFor();
      await detail.getByLabel(/Corrected payload/).fill(JSON.stringify({ ...BILLING_WITHOUT_TOTAL, data: { ...BILLING_WITHOUT_TOTAL.data, total } }, null, 2));
      await detail.getByRole('button', { name: 'Replay with this payload' }).click();
      await admin.getByTestId(`result-${billingEntry}`).waitFor();
      expect(await admin.getByTestId(`result-${billingEntry}`).textContent()).toBe('resolved');
      await detail.getByTestId('entry-status').filter({ hasText: 'resolved' }).waitFor();
      await shot(admin, '08-quarantine-replayed');

      // Bulk replay of an entry whose type is still unknown: it stays open, with the reason per item.
      await admin.goto(`${base}/ui/#/quarantine`);
      await admin.getByTestId('quarantine-table').locator(`tr[data-entry="${unknownTypeEntry}"]`).waitFor();
      expect(await admin.getByTestId('quarantine-table').locator('tbody tr').count()).toBe(1);
      await admin.getByLabel(`Select ${unknownTypeEntry}`).check();
      await admin.getByTestId('replay-selected').click();
      await admin.getByTestId(`result-${unknownTypeEntry}`).waitFor();
      expect(await admin.getByTestId(`result-${unknownTypeEntry}`).textContent()).toBe('open');
      expect(await admin.getByTestId('replay-results').textContent()).toContain('unknown-type');
      await shot(admin, '09-quarantine-bulk-result');

      // The replayed billing report is now part of the order.
      await admin.goto(`${base}/ui/#/entity/order/SO-1001`);
      await admin.locator('table.comparison th', { hasText: 'billing' }).waitFor();
    }));

  it('shows the reconciliation report from the real API: filters, the item with its history and evidence, CSV, the verdict per field', () =>
    timed('reconciliation (real API)', async () => {
      await admin.getByRole('link', { name: 'Overview' }).click();
      await admin.getByTestId('recon-card').locator('div', { hasText: 'mismatch' }).getByRole('link').click();
      await admin.getByRole('heading', { name: 'Reconciliation' }).waitFor();
      expect(admin.url()).toContain('kind=mismatch');
      const row = admin.locator('tr', { hasText: 'order SO-1001' });
      await row.waitFor();
      expect(await row.textContent()).toContain('COMPLETED');
      expect(await row.textContent()).toContain('open');
      const download = admin.waitForEvent('download');
      await admin.getByRole('button', { name: 'Export CSV' }).click();
      expect((await download).suggestedFilename()).toBe('reconciliation.csv');
      await row.getByRole('link', { name: 'order SO-1001' }).click();
      await admin.getByRole('heading', { name: 'Item order/SO-1001:mismatch:status' }).waitFor();
      await admin.getByText('disagreed').first().waitFor();
      await admin.getByText('(≙ done)').first().waitFor();
      await admin.getByRole('button', { name: 'erp-evt-3' }).click();
      await admin.locator('pre.json', { hasText: 'shipped and invoiced' }).waitFor();
      await shot(admin, '10-reconciliation');
      expect(await unlabelledControls(admin)).toEqual([]);

      // Pending is empty (no grace period here); all shows the missing-billing items too.
      await admin.goto(`${base}/ui/#/reconciliation?status=all&kind=missing`);
      await admin.locator('tr', { hasText: 'order SO-1002' }).waitFor();

      await admin.goto(`${base}/ui/#/entity/order/SO-1001`);
      await admin.getByRole('heading', { name: 'Reconciliation verdict: disagreeing' }).waitFor();
      expect(await admin.locator('tr.row-disagree', { hasText: 'status' }).last().textContent()).toContain('(≙ done)');
      expect(await admin.locator('tr', { hasText: 'amount' }).last().locator('td').first().textContent()).toBe('match');
      await shot(admin, '10b-entity-verdict');

      await admin.getByRole('link', { name: 'Audit' }).click();
      // Seals and verification are on this hub (issue 5): seal the log now, then verify it for real.
      const sealCard = admin.getByTestId('seal-card');
      await sealCard.getByRole('button', { name: 'Seal now' }).click();
      await sealCard.getByText(/^position \d/).waitFor();
      const verifyCard = admin.getByTestId('verify-card');
      await verifyCard.getByRole('button', { name: 'Run a verification' }).click();
      await verifyCard.getByText('Intact').waitFor({ timeout: 20_000 });
      await shot(admin, '11-audit');
    }));

  it('renders stuck flows and audit data in the shapes of issues 4 and 5 (those answers stubbed in the browser)', () =>
    timed('pages with the other branches’ APIs (stubbed)', async () => {
      const page = await browser.context.newPage();
      try {
        const stubs = await stubOtherBranchesApis(page);
        await page.goto(`${base}/ui/`);
        await page.getByLabel('API key').fill(TEST_ADMIN_KEY);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByTestId('flows-card').getByText('order SO-1004').waitFor();
        await shot(page, '13-overview-with-stubbed-flows');

        await page.getByRole('link', { name: 'Audit' }).click();
        await page.getByTestId('seal-card').getByText('position 7').waitFor();
        await page.getByRole('button', { name: 'Run a verification' }).click();
        await page.getByLabel(/Checked 4 of 9 events/).waitFor();
        await shot(page, '15-audit-verifying');
        await page.getByTestId('verify-card').getByText('Intact').waitFor({ timeout: 10_000 });
        expect(stubs.verifyRequests()).toBe(1);
        await page.getByLabel('Correlation id').fill('flow-1001');
        await page.getByRole('button', { name: 'Follow' }).click();
        await page.getByText('1 h 29 min after the previous step').waitFor();
        await shot(page, '16-audit-with-data');
      } finally {
        await page.close();
      }
    }));

  it('an analyst sees no replay button, and the hub refuses the replay call with 403', () =>
    timed('analyst: no replay', async () => {
      const analyst = await browser.context.newPage();
      try {
        await analyst.goto(`${base}/ui/#/quarantine/${encodeURIComponent(unknownTypeEntry)}`);
        await analyst.getByLabel('API key').fill(analystKey);
        await analyst.getByRole('button', { name: 'Log in' }).click();
        const detail = analyst.getByTestId('entry-detail');
        await detail.getByText('unknown-type').first().waitFor();
        expect(await analyst.getByTestId('identity').textContent()).toContain('analyst');
        expect(await analyst.getByRole('button', { name: /Replay/ }).count()).toBe(0);
        expect(await analyst.getByTestId('replay-actions').count()).toBe(0);
        expect(await analyst.getByRole('checkbox').count()).toBe(0);
        await analyst.getByText('Only admins may replay them.').waitFor();
        await shot(analyst, '12-quarantine-as-analyst');
        const status = await analyst.evaluate(
          async ({ id, key }) => (await fetch(`/v1/quarantine/${encodeURIComponent(id)}/replay`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' })).status,
          { id: unknownTypeEntry, key: analystKey },
        );
        expect(status).toBe(403);
        const stillOpen = await hub.inject({ method: 'GET', url: `/v1/quarantine/${unknownTypeEntry}` });
        expect(stillOpen.json()).toMatchObject({ status: 'open', replays: [expect.objectContaining({ outcome: 'rejected' })] });
      } finally {
        await analyst.close();
      }
    }));
});
