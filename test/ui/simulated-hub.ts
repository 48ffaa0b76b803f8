import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { OffsetClock } from '@concord/common';
import { HttpPublisher } from '@concord/connector-sdk';
import { DEMO_FAULTS } from '../../apps/connector-sim/src/faults';
import { publishTraffic, type RunReport } from '../../apps/connector-sim/src/publish-traffic';
import { generateTraffic, type Delivery, type PlantedConflict, type PlantedInvalid, type Traffic } from '../../apps/connector-sim/src/traffic';
import { startSecuredHub, type SecuredHub } from '../e2e/support/secured-hub';

const REPO = resolve(__dirname, '../..');
const HOUR = 3_600_000;

/**
 * The simulator's run the browser suite plays: seeded, so the same orders, conflicts and refused events
 * come every time (the suite takes its cases from `traffic.planted`, never from hard-coded ids). Seed 1 with
 * these rates plants status conflicts (on completed and cancelled orders), a twin customer, an order the CRM
 * never hears of, and several invalid billing events.
 */
export const SIMULATION = { seed: 1, orders: 40, start: '2026-11-21T08:00:00.000Z', faults: { ...DEMO_FAULTS, conflicts: 0.1, drops: 0.05, invalid: 0.08 } } as const;

/** The cases the suite follows, all read from the simulator's own list of what it planted. */
export interface Cases {
  /** An order whose ERP and CRM end in different states; not one with a refused event. */
  readonly conflict: PlantedConflict;
  /** Two refused billing events: one an admin corrects and replays, one that stays open. */
  readonly corrected: PlantedInvalid;
  readonly stillOpen: PlantedInvalid;
  /** An order the CRM never reported: its order-reaches-crm flow is overdue. */
  readonly neverInCrm: string;
}

export function casesOf(traffic: Traffic): Cases {
  const { planted } = traffic;
  const invalidOrders = new Set(planted.invalid.map((i) => i.subject.id));
  const conflict = planted.conflicts.find((c) => c.kind === 'order-status' && !invalidOrders.has(c.subject.id));
  const [corrected, stillOpen] = planted.invalid;
  const neverInCrm = planted.missing.find((m) => m.system === 'crm' && m.subject.type === 'order')?.subject.id;
  if (!conflict || !corrected || !stillOpen || !neverInCrm) throw new Error(`seed ${SIMULATION.seed} no longer plants what the suite follows: ${JSON.stringify(planted)}`);
  return { conflict, corrected, stillOpen, neverInCrm };
}

/** A source's newest report (highest source sequence) about a subject among some deliveries: what the hub's view holds. */
export function newestStatus(deliveries: readonly Delivery[], system: string, subjectId: string): string | undefined {
  const reports = deliveries.filter((d) => d.system === system && d.envelope.subject.id === subjectId && d.fault !== 'invalid');
  const newest = reports.reduce<Delivery | undefined>((a, b) => (!a || (b.envelope.sourceSequence ?? 0) > (a.envelope.sourceSequence ?? 0) ? b : a), undefined);
  return (newest?.envelope.data as { status?: string } | undefined)?.status;
}

export interface SimulatedHub {
  readonly hub: SecuredHub;
  readonly base: string;
  readonly traffic: Traffic;
  readonly cases: Cases;
  /** Delivered before the clock jump: the conflicting order's last CRM status is the first delivery after it. */
  readonly firstPart: readonly Delivery[];
  readonly secondPart: readonly Delivery[];
  /** Where the hub keeps each refused event: event id → quarantine entry id, from the publish results. */
  readonly quarantined: ReadonlyMap<string, string>;
  /** The hub's time between the two parts: an "as of" here sees the first part only. */
  asOfBetween(): string;
  /** Moves the hub's clock two hours ahead (to real time) and publishes the second part. */
  publishSecondPart(): Promise<RunReport>;
  close(): Promise<void>;
}

/**
 * A hub on a temporary data directory, listening on a free port, with the shipped reconciliation rules
 * (graceSeconds set to 0, so disagreements open at once) and flow rules, on a clock two hours behind
 * real time: the first part of the simulator's traffic is recorded then, the second after a jump to
 * real time, so flows show a real pause and "as of" a real past.
 */
export async function startSimulatedHub(env: Record<string, string>): Promise<SimulatedHub> {
  const traffic = generateTraffic(SIMULATION);
  const cases = casesOf(traffic);
  const cut = traffic.deliveries.findIndex((d) => d.system === 'crm' && d.envelope.subject.id === cases.conflict.subject.id && (d.envelope.data as { status?: string }).status === cases.conflict.values.crm);
  const firstPart = traffic.deliveries.slice(0, cut);
  const secondPart = traffic.deliveries.slice(cut);

  const rulesDir = mkdtempSync(join(tmpdir(), 'concord-ui-rules-'));
  const rules = parse(readFileSync(join(REPO, 'config/reconciliation.yaml'), 'utf8')) as { entities: Record<string, { graceSeconds?: number }> };
  for (const entity of Object.values(rules.entities)) entity.graceSeconds = 0;
  writeFileSync(join(rulesDir, 'reconciliation.yaml'), stringify(rules));

  const clock = new OffsetClock(-2 * HOUR);
  const hub = await startSecuredHub({
    env: {
      CONCORD_RECONCILIATION_RULES: join(rulesDir, 'reconciliation.yaml'),
      CONCORD_RECONCILIATION_SWEEP_MS: '200',
      CONCORD_FLOW_RULES: join(REPO, 'config/flows.yaml'),
      CONCORD_FLOW_SWEEP_MS: '200',
      ...env,
    },
    runtime: { clock },
  });
  await hub.app.listen(0, '127.0.0.1');
  const address = hub.app.getHttpServer().address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const publisher = new HttpPublisher({ url: base, apiKey: await hub.keyFor('connector', ['erp', 'crm', 'billing']), sleep: async () => undefined });
  const quarantined = new Map<string, string>();
  const publish = (deliveries: readonly Delivery[]) =>
    publishTraffic(deliveries, () => publisher, {
      lanes: 4,
      batchSize: 100,
      onBatch: ({ results }) => {
        for (const result of results) if (result.status === 'rejected') quarantined.set(result.id, result.quarantineId);
      },
    });

  const first = await publish(firstPart);
  expectAnswers(first, firstPart);
  const between = new Date(clock.now().getTime() + HOUR).toISOString();
  return {
    hub,
    base,
    traffic,
    cases,
    firstPart,
    secondPart,
    quarantined,
    asOfBetween: () => between,
    publishSecondPart: async () => {
      clock.jump(2 * HOUR);
      const second = await publish(secondPart);
      expectAnswers(second, secondPart);
      return second;
    },
    close: async () => {
      await hub.close();
      rmSync(rulesDir, { recursive: true, force: true });
    },
  };
}

/** Nothing failed, and the hub refused exactly the planted invalid events (each naming the field). */
function expectAnswers(report: RunReport, deliveries: readonly Delivery[]): void {
  const invalid = deliveries.filter((d) => d.fault === 'invalid');
  if (report.counts.failed > 0 || report.counts.rejected !== invalid.length || report.rejected.some((r) => r.reason !== 'contract-violation')) {
    throw new Error(`the hub answered the simulator unexpectedly: ${JSON.stringify(report.counts)}; refused ${JSON.stringify(report.rejected)}`);
  }
}
