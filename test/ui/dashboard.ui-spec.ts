import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { findingsFor, type ReconItemView } from '../../apps/connector-sim/src/findings';
import { TEST_ADMIN_KEY } from '../e2e/support/secured-hub';
import { launchChromium } from './browser';
import { newestStatus, startSimulatedHub, type SimulatedHub } from './simulated-hub';
import { holdVerificationRunning } from './verification-progress';

const REPO = resolve(__dirname, '../..');
const BUNDLE = join(REPO, 'dist/ui');
const SHOTS = join(REPO, 'test-output/ui');
const timings: Array<[string, number]> = [];

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

/**
 * The dashboard in Debian's Chromium against a real hub fed by the connector simulator over HTTP
 * (seeded: see simulated-hub.ts). Every case comes from the simulator's list of what it planted.
 */
describe('the dashboard in a real browser, on the connector simulator’s traffic', () => {
  let sim: SimulatedHub;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let admin: Page;
  let analystKey: string;

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const timed = async (name: string, step: () => Promise<void>) => {
    const started = Date.now();
    await step();
    timings.push([name, Date.now() - started]);
  };
  /** The quarantine entry of a refused event the suite follows (known once the whole traffic is published). */
  const entryOf = (eventId: string) => {
    const entry = sim.quarantined.get(eventId);
    if (!entry) throw new Error(`the hub did not refuse ${eventId}`);
    return entry;
  };
  const countOf = (deliveries: SimulatedHub['firstPart'], system: string) => String(deliveries.filter((d) => d.system === system).length);
  const invalidIn = (deliveries: SimulatedHub['firstPart']) => deliveries.filter((d) => d.fault === 'invalid').length;

  beforeAll(async () => {
    const started = Date.now();
    // Only this run's screenshots: a page renamed or removed leaves no stale picture behind.
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    sim = await startSimulatedHub({ CONCORD_UI_DIR: BUNDLE });
    analystKey = await sim.hub.keyFor('analyst');
    browser = await launchChromium();
    admin = await browser.context.newPage();
    timings.push([`start hub, publish ${sim.firstPart.length} simulated deliveries, launch Chromium`, Date.now() - started]);
  });

  afterAll(async () => {
    const started = Date.now();
    await browser?.close();
    await sim?.close();
    timings.push(['close Chromium and the hub', Date.now() - started]);
    console.log(`browser test timings (ms):\n${timings.map(([name, ms]) => `  ${String(ms).padStart(6)}  ${name}`).join('\n')}`);
  });

  it('logs in with an admin key and shows the live overview while the simulator keeps publishing', () =>
    timed('login + overview (live)', async () => {
      await admin.goto(`${sim.base}/ui/`);
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
      await admin.getByTestId('received-erp').filter({ hasText: new RegExp(`^${countOf(sim.firstPart, 'erp')}$`) }).waitFor();
      await admin.getByTestId('projections-table').getByText('entity-view').waitFor();
      await admin.getByTestId('quarantine-figures').filter({ hasText: `Open${invalidIn(sim.firstPart)}` }).waitFor();
      // Reconciliation is live: the planted disagreements are open.
      await admin.getByTestId('recon-card').locator('div', { hasText: 'mismatch' }).getByRole('link', { name: /^[1-9]/ }).waitFor({ timeout: 10_000 });
      // The order the CRM never heard of is overdue (order-reaches-crm, 15 minutes).
      await admin.getByTestId('flows-card').getByRole('link', { name: `order ${sim.cases.neverInCrm}` }).waitFor({ timeout: 10_000 });
      await shot(admin, '02-overview');

      // Live: two hours later the rest of the traffic arrives; the page follows without a reload.
      await sim.publishSecondPart();
      // (The page's CSP forbids evaluating strings, so the waits are locators, not waitForFunction.)
      await admin.getByTestId('received-erp').filter({ hasText: new RegExp(`^${countOf(sim.traffic.deliveries, 'erp')}$`) }).waitFor({ timeout: 10_000 });
      await admin.getByTestId('received-billing').filter({ hasText: new RegExp(`^${countOf(sim.traffic.deliveries, 'billing')}$`) }).waitFor({ timeout: 10_000 });
      await admin.getByTestId('quarantine-figures').filter({ hasText: `Open${sim.traffic.planted.invalid.length}` }).waitFor({ timeout: 10_000 });
      await admin.locator('figure.chart svg polyline').first().waitFor({ state: 'attached', timeout: 10_000 });
      await shot(admin, '02b-overview-live');
      // The menu is reachable with Tab and shows where the focus is.
      await admin.keyboard.press('Tab');
      await admin.keyboard.press('Tab');
      const focused = await admin.evaluate(() => {
        const element = (globalThis as unknown as { document: { activeElement: { textContent: string; tagName: string } | null } }).document.activeElement;
        return element ? `${element.tagName} ${element.textContent}` : '';
      });
      expect(focused).toBe('A Overview');
    }));

  it('finds the conflicting order the simulator planted and highlights both systems’ statuses', () =>
    timed('entity: find + compare', async () => {
      const { conflict } = sim.cases;
      await admin.getByRole('link', { name: 'Entities' }).click();
      await admin.getByLabel('Type').fill('order');
      await admin.getByLabel(/^Id/).fill(conflict.subject.id);
      await admin.getByRole('button', { name: 'Find' }).click();
      await admin.getByRole('heading', { name: `order ${conflict.subject.id}` }).waitFor();
      const status = admin.locator('table.comparison tr[data-field="status"][data-verdict="mismatch"]');
      await status.waitFor();
      expect(await status.locator('td[data-source="erp"] .value').textContent()).toBe(conflict.values.erp);
      expect(await status.locator('td[data-source="crm"] .value').textContent()).toBe(conflict.values.crm);
      expect(await status.locator('td[data-source="erp"]').getAttribute('class')).toBe('cell-differs');
      expect(await status.locator('td[data-source="crm"]').getAttribute('class')).toBe('cell-differs');
      // Compared by meaning: the amount and customer agree, so status is the only disagreement.
      expect(await admin.locator('table.comparison td.cell-differs').count()).toBe(await status.locator('td.cell-differs').count());
      expect(await admin.getByTestId('disagreement-count').textContent()).toBe('1 field disagree');
      await admin.getByRole('heading', { name: 'Reconciliation verdict: disagreeing' }).waitFor();
      await shot(admin, '04-entity-compare');
      expect(await unlabelledControls(admin)).toEqual([]);

      // Another order, untouched by the simulator's faults: COMPLETED, closed and paid say the same.
      const touched = new Set([...sim.traffic.planted.conflicts, ...sim.traffic.planted.missing, ...sim.traffic.planted.invalid].map((p) => p.subject.id));
      const calm = Array.from({ length: 40 }, (_, i) => `SO-${String(i + 1).padStart(6, '0')}`).find((id) => !touched.has(id))!;
      await admin.goto(`${sim.base}/ui/#/entity/order/${calm}`);
      await admin.getByTestId('comparison').getByText('all systems agree').waitFor();
      await admin.locator('table.comparison tr[data-field="status"][data-verdict="match"] td[data-source="crm"]', { hasText: '≙ done' }).waitFor();

      // The list marks exactly the listed orders with a planted status conflict.
      await admin.goto(`${sim.base}/ui/#/entity/order`);
      const rows = admin.locator('tbody tr[data-entity]');
      await rows.first().waitFor();
      await admin.getByText('checking…').first().waitFor({ state: 'detached', timeout: 10_000 });
      const listed = await rows.evaluateAll((trs) => trs.map((tr) => ({ id: tr.getAttribute('data-entity'), marked: (tr.getAttribute('class') ?? '').includes('row-disagree') })));
      const statusConflicts = new Set(sim.traffic.planted.conflicts.filter((c) => c.kind === 'order-status').map((c) => c.subject.id));
      expect(listed.length).toBe(20);
      expect(listed.filter((row) => row.marked).map((row) => row.id)).toEqual(listed.filter((row) => statusConflicts.has(row.id!)).map((row) => row.id));
      await shot(admin, '03-entity-list');
    }));

  it('opens the order’s history with field diffs, and shows it as of a time before the CRM’s last word', () =>
    timed('entity: history + as of', async () => {
      const { conflict } = sim.cases;
      await admin.goto(`${sim.base}/ui/#/entity/order/${conflict.subject.id}`);
      await admin.getByRole('button', { name: /Show history/ }).click();
      const history = admin.getByTestId('history');
      await history.waitFor();
      // The CRM's last status (the first delivery after the clock jump), with who/when/via and its field diff.
      const crmLast = history.locator('li.timeline-item', { hasText: 'order.status-changed from crm' }).first();
      expect(await crmLast.locator('tr.change-changed', { hasText: 'status' }).first().locator('ins').textContent()).toBe(conflict.values.crm);
      expect(await crmLast.textContent()).toContain('crm · http');
      expect(await crmLast.textContent()).toMatch(/occurred 2026-11-21 \d\d:\d\d:\d\dZ, recorded/);
      const erpSteps = history.locator('li.timeline-item', { hasText: 'from erp' });
      expect(await erpSteps.count()).toBeGreaterThan(0);
      expect(await erpSteps.first().textContent()).toMatch(/user clerk-\d/);
      await shot(admin, '05-entity-history');

      const asOf = sim.asOfBetween();
      await admin.goto(`${sim.base}/ui/#/entity/order/${conflict.subject.id}?asOf=${encodeURIComponent(asOf)}`);
      await admin.getByText('Showing the view as of').waitFor();
      const status = admin.locator('table.comparison tr[data-field="status"]');
      const crmThen = newestStatus(sim.firstPart, 'crm', conflict.subject.id)!;
      expect(crmThen).not.toBe(conflict.values.crm);
      await status.locator('td[data-source="crm"]', { hasText: crmThen }).waitFor();
      expect(await status.locator('td[data-source="erp"]').textContent()).toBe(newestStatus(sim.firstPart, 'erp', conflict.subject.id));
      expect(await admin.locator('#as-of').inputValue()).not.toBe('');
      await shot(admin, '06-entity-as-of');
    }));

  it('replays a refused event with the corrected payload as admin and sees it resolved; a bulk replay reports per item', () =>
    timed('quarantine: correct + replay', async () => {
      const { corrected, stillOpen } = sim.cases;
      const correctedEntry = entryOf(corrected.id);
      const openEntry = entryOf(stillOpen.id);
      // From the order's sync status: billing's report of it waits in the quarantine.
      await admin.goto(`${sim.base}/ui/#/entity/order/${corrected.subject.id}`);
      const billing = admin.getByTestId('sync-table').locator('tr', { hasText: 'billing' });
      await billing.getByRole('link', { name: correctedEntry }).click();
      const detail = admin.getByTestId('entry-detail');
      await detail.getByText('contract-violation').first().waitFor();
      expect(await detail.textContent()).toContain(corrected.field);
      expect(await detail.locator('pre.json').first().textContent()).toContain(`"${corrected.id}"`);
      await shot(admin, '07-quarantine-entry');
      expect(await unlabelledControls(admin)).toEqual([]);

      await detail.getByRole('button', { name: 'Correct the payload…' }).click();
      await detail.getByLabel(/Corrected payload/).fill('{ not json');
      await detail.getByRole('button', { name: 'Replay with this payload' }).click();
      await detail.getByText('not valid JSON').waitFor();
      // The correction is what the simulator should have sent: its plan keeps the valid envelope.
      await detail.getByLabel(/Corrected payload/).fill(JSON.stringify(corrected.valid, null, 2));
      await detail.getByRole('button', { name: 'Replay with this payload' }).click();
      await admin.getByTestId(`result-${correctedEntry}`).filter({ hasText: /^resolved$/ }).waitFor();
      await detail.getByTestId('entry-status').filter({ hasText: 'resolved' }).waitFor();
      await shot(admin, '08-quarantine-replayed');

      // Bulk replay, as received, of another refused event: still invalid, so it stays open, with the reason.
      await admin.goto(`${sim.base}/ui/#/quarantine`);
      const table = admin.getByTestId('quarantine-table');
      await table.locator(`tr[data-entry="${openEntry}"]`).waitFor();
      expect(await table.locator(`tr[data-entry="${correctedEntry}"]`).count()).toBe(0);
      expect(await table.locator('tbody tr').count()).toBe(sim.traffic.planted.invalid.length - 1);
      await admin.getByLabel(`Select ${openEntry}`).check();
      await admin.getByTestId('replay-selected').click();
      await admin.getByTestId(`result-${openEntry}`).filter({ hasText: /^open$/ }).waitFor();
      expect(await admin.getByTestId('replay-results').textContent()).toContain('contract-violation');
      await shot(admin, '09-quarantine-bulk-result');

      // The corrected event is in the order's stream now, recorded as a replay from the quarantine.
      await admin.goto(`${sim.base}/ui/#/entity/order/${corrected.subject.id}`);
      await admin.getByRole('button', { name: /Show history/ }).click();
      await admin.getByTestId('history').locator('li.timeline-item', { hasText: `replayed from quarantine ${correctedEntry}` }).waitFor();
      expect(stillOpen.id).not.toBe(corrected.id);
    }));

  it('shows the reconciliation report from the real API, which found every problem the simulator planted', () =>
    timed('reconciliation', async () => {
      const { conflict } = sim.cases;
      const open = await sim.hub.inject({ method: 'GET', url: '/v1/reconciliation?status=open&limit=500' });
      const findings = findingsFor(sim.traffic.planted, open.json().items as ReconItemView[]);
      expect(findings.filter((f) => !f.item)).toEqual([]);

      await admin.getByRole('link', { name: 'Overview' }).click();
      await admin.getByTestId('recon-card').locator('div', { hasText: 'mismatch' }).getByRole('link').click();
      await admin.getByRole('heading', { name: 'Reconciliation' }).waitFor();
      expect(admin.url()).toContain('kind=mismatch');
      const row = admin.locator('tr', { hasText: `order ${conflict.subject.id}` });
      await row.waitFor();
      expect(await row.textContent()).toContain(conflict.values.crm as string);
      expect(await row.textContent()).toContain('open');
      const download = admin.waitForEvent('download');
      await admin.getByRole('button', { name: 'Export CSV' }).click();
      expect((await download).suggestedFilename()).toBe('reconciliation.csv');
      // The report for a window (the hub's default: the last 24 hours), as CSV: the planted conflict is in it.
      const report = admin.waitForEvent('download');
      await admin.getByRole('button', { name: 'Download the window report' }).click();
      expect((await report).suggestedFilename()).toBe('reconciliation-report.csv');
      const csv = readFileSync((await (await report).path())!, 'utf8');
      expect(csv.split('\n').find((line) => line.includes(`order/${conflict.subject.id}:mismatch:status`))).toContain('open');
      await row.getByRole('link', { name: `order ${conflict.subject.id}` }).click();
      await admin.getByRole('heading', { name: `Item order/${conflict.subject.id}:mismatch:status` }).waitFor();
      await admin.getByText('disagreed').first().waitFor();
      await admin.getByText(/\(≙ (done|cancelled)\)/).first().waitFor();
      const evidence = admin.getByRole('button', { name: /^crm:order\.status-changed:/ }).first();
      await evidence.click();
      await admin.locator('pre.json', { hasText: `"status": "${conflict.values.crm}"` }).waitFor();
      await shot(admin, '10-reconciliation');
      expect(await unlabelledControls(admin)).toEqual([]);

      // Every kind the simulator planted, through the filters: the order the CRM never heard of is missing there.
      await admin.goto(`${sim.base}/ui/#/reconciliation?status=open&kind=missing&entity=order`);
      await admin.locator('tr', { hasText: `order ${sim.cases.neverInCrm}` }).waitFor();
      await admin.goto(`${sim.base}/ui/#/reconciliation?status=open&kind=duplicate`);
      await admin.locator('tbody tr').first().waitFor();
      expect(await admin.locator('tbody tr').first().textContent()).toContain(sim.traffic.planted.twins[0]!.customers[1]);
      await shot(admin, '10b-reconciliation-duplicates');
      await admin.goto(`${sim.base}/ui/#/reconciliation?status=pending`);
      await admin.getByText('No item matches').waitFor();
    }));

  it('lists overdue flows with filters, and the designed empty and refused states', () =>
    timed('stuck flows', async () => {
      await admin.goto(`${sim.base}/ui/#/overview`);
      await admin.getByTestId('flows-card').getByRole('link', { name: 'All overdue flows →' }).click();
      await admin.getByRole('heading', { name: 'Stuck flows' }).waitFor();
      const flow = admin.getByTestId('flows-table').locator(`tr[data-flow="order-reaches-crm/order/${sim.cases.neverInCrm}"]`);
      await flow.waitFor();
      expect(await flow.textContent()).toContain('order.created from erp');
      await shot(admin, '13-stuck-flows');
      // Designed states: nothing matches a valid filter; the hub refuses a rule it does not have, saying why.
      await admin.getByLabel(/^Entity/).fill('customer');
      await admin.getByRole('button', { name: 'Filter' }).click();
      await admin.getByText('No overdue flow matches').waitFor();
      await admin.getByLabel('Rule').fill('no-such-rule');
      await admin.getByRole('button', { name: 'Filter' }).click();
      await admin.locator('.state-error', { hasText: 'The hub refused the request' }).getByText(/no flow rule named no-such-rule/).waitFor();
      await shot(admin, '13b-stuck-flows-refused-filter');
      expect(await unlabelledControls(admin)).toEqual([]);
    }));

  it('audits for real: seals the log, verifies it with a progress bar, follows a flow with its pause', () =>
    timed('audit', async () => {
      await admin.goto(`${sim.base}/ui/#/audit`);
      const sealCard = admin.getByTestId('seal-card');
      await sealCard.getByRole('button', { name: 'Seal now' }).click();
      await sealCard.getByText(/^position \d/).waitFor();
      const release = await holdVerificationRunning(admin);
      const verifyCard = admin.getByTestId('verify-card');
      await verifyCard.getByRole('button', { name: 'Run a verification' }).click();
      await admin.getByRole('progressbar').waitFor();
      await shot(admin, '11-audit-verifying');
      await verifyCard.getByText('Intact').waitFor({ timeout: 20_000 });
      await release();

      const correlationId = `order-${sim.cases.conflict.subject.id}`;
      await admin.getByLabel('Correlation id').fill(correlationId);
      await admin.getByRole('button', { name: 'Follow' }).click();
      await admin.locator('.timeline-item.gap', { hasText: 'order.status-changed from crm' }).getByText(/^2 h after the previous step$/).waitFor();
      expect(await admin.locator('.timeline-item.gap').count()).toBe(1);
      // Who and how, per step: the ERP's clerk, over HTTP.
      expect(await admin.locator('.timeline-item', { hasText: 'order.status-changed from erp' }).first().textContent()).toMatch(/by user clerk-\d · via http/);
      expect(await admin.getByTestId('flow-summary').textContent()).toContain(`about order/${sim.cases.conflict.subject.id}`);
      await shot(admin, '12-audit');
    }));

  it('an analyst sees no replay button, and the hub refuses the replay call with 403', () =>
    timed('analyst: no replay', async () => {
      const analyst = await browser.context.newPage();
      const openEntry = entryOf(sim.cases.stillOpen.id);
      try {
        await analyst.goto(`${sim.base}/ui/#/quarantine/${encodeURIComponent(openEntry)}`);
        await analyst.getByLabel('API key').fill(analystKey);
        await analyst.getByRole('button', { name: 'Log in' }).click();
        const detail = analyst.getByTestId('entry-detail');
        await detail.getByText('contract-violation').first().waitFor();
        expect(await analyst.getByTestId('identity').textContent()).toContain('analyst');
        expect(await analyst.getByRole('button', { name: /Replay/ }).count()).toBe(0);
        expect(await analyst.getByTestId('replay-actions').count()).toBe(0);
        expect(await analyst.getByRole('checkbox').count()).toBe(0);
        await analyst.getByText('Only admins may replay them.').waitFor();
        await shot(analyst, '14-quarantine-as-analyst');
        const status = await analyst.evaluate(
          async ({ id, key }) => (await fetch(`/v1/quarantine/${encodeURIComponent(id)}/replay`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' })).status,
          { id: openEntry, key: analystKey },
        );
        expect(status).toBe(403);
        const stillOpen = await sim.hub.inject({ method: 'GET', url: `/v1/quarantine/${openEntry}` });
        expect(stillOpen.json()).toMatchObject({ status: 'open', replays: [expect.objectContaining({ outcome: 'rejected' })] });

        // Role-aware menu: no Audit for an analyst; a link to it explains instead of showing three refusals.
        expect(await analyst.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Entities', 'Reconciliation', 'Quarantine', 'Stuck flows']);
        await analyst.goto(`${sim.base}/ui/#/audit`);
        await analyst.getByRole('heading', { name: 'Audit is for auditor and admin keys' }).waitFor();
        await shot(analyst, '15-audit-as-analyst');
      } finally {
        await analyst.close();
      }
    }));
});
