import type { Page } from 'playwright-core';

const VERIFY = /\/v1\/audit\/verify$/;

/**
 * A log of a few hundred events verifies in milliseconds, before the page can show its progress bar. This
 * holds the first `polls` status reads after a verification started at "running", half-way through the
 * real total (taken from the hub's own answer); every other call, and the final state, are the hub's own.
 * Returns a function that removes the hold.
 */
export async function holdVerificationRunning(page: Page, polls = 2): Promise<() => Promise<void>> {
  let held = 0;
  await page.route(VERIFY, async (route) => {
    if (route.request().method() !== 'GET' || held >= polls) return route.continue();
    const real = (await (await route.fetch()).json()) as { state: string; total?: number };
    if (real.state === 'idle') return route.fulfill({ json: real });
    held++;
    return route.fulfill({ json: { ...real, state: 'running', checked: Math.floor((real.total ?? 2) / 2) } });
  });
  return () => page.unroute(VERIFY);
}
