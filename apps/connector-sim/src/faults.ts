/**
 * The faults the simulator can plant, each a probability in [0, 1]. All draws
 * come from the run's seeded Random, so a seed and a fault setting replay the
 * same faults in the same places.
 */
export interface FaultRates {
  /** A delivery is sent twice in quick succession (same envelope, same id). */
  readonly duplicates: number;
  /** A delivery is sent again much later, after newer events of its subject (a retry from a stale queue). */
  readonly lateRetries: number;
  /** Two successive status changes of one subject from one system arrive newest first. */
  readonly reorder: number;
  /** One system never reports an order at all (its events about it, and for billing its invoice and payment, are lost). */
  readonly drops: number;
  /** The systems end up disagreeing: CRM closes an order as cancelled, a payment falls short, CRM and billing hold different countries. */
  readonly conflicts: number;
  /** CRM holds one person twice under two customer ids with the same e-mail. */
  readonly twins: number;
  /** An order starts a burst: 20 to 100 orders placed at the same instant. */
  readonly bursts: number;
  /**
   * Billing reports an order with its total amount as a string (a connector bug): the hub refuses it
   * as a contract violation and quarantines it; the plan keeps the valid envelope, to replay as a correction.
   */
  readonly invalid: number;
}

export type FaultName = keyof FaultRates;

export const NO_FAULTS: FaultRates = { duplicates: 0, lateRetries: 0, reorder: 0, drops: 0, conflicts: 0, twins: 0, bursts: 0, invalid: 0 };

/**
 * What `npm run demo` plants: a few of everything, visible in a run of a few hundred orders. No invalid
 * events: the demo, the benchmarks and their specs count on a run the hub refuses nothing of.
 */
export const DEMO_FAULTS: FaultRates = { duplicates: 0.05, lateRetries: 0.02, reorder: 0.05, drops: 0.02, conflicts: 0.04, twins: 0.05, bursts: 0.01, invalid: 0 };

const PRESETS: Readonly<Record<string, FaultRates>> = { none: NO_FAULTS, demo: DEMO_FAULTS };

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/**
 * Reads `--faults`: a preset (`none`, `demo`), a list `duplicates=0.05,reorder=0.1`,
 * or a preset followed by overrides (`demo,drops=0`). Unknown names and rates
 * outside [0, 1] are refused, each named.
 */
export function parseFaults(spec: string): FaultRates {
  const rates: Record<string, number> = { ...NO_FAULTS };
  const problems: string[] = [];
  const parts = spec.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) problems.push('no faults given (use none, demo, or name=rate)');
  parts.forEach((part, i) => {
    const preset = PRESETS[part];
    if (preset) {
      if (i > 0) problems.push(`preset ${part} must come first`);
      Object.assign(rates, preset);
      return;
    }
    const match = /^([a-zA-Z]+)=(.+)$/.exec(part);
    if (!match) {
      problems.push(`${JSON.stringify(part)} is neither a preset (${Object.keys(PRESETS).join(', ')}) nor name=rate`);
      return;
    }
    const [, name, raw] = match as unknown as [string, string, string];
    if (!(name in NO_FAULTS)) {
      problems.push(`unknown fault ${JSON.stringify(name)} (known: ${Object.keys(NO_FAULTS).join(', ')})`);
      return;
    }
    const rate = Number(raw);
    if (!/^\d*\.?\d+$/.test(raw) || !(rate >= 0 && rate <= 1)) {
      problems.push(`${name} must be a rate between 0 and 1, got ${JSON.stringify(raw)}`);
      return;
    }
    rates[name] = rate;
  });
  if (problems.length > 0) throw new FaultSpecError(problems.join('; '));
  return rates as unknown as FaultRates;
}
