import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ManualClock } from '@concord/common';
import { verifyLog } from '@concord/audit';
import { SqliteReadModelStore } from '@concord/projections';
import { readModelSnapshot } from '@concord/projections/testing';
import { ENTITIES } from '../../apps/hub/src/entities/entity-view.projection';
import { RECON_ITEMS } from '../../apps/hub/src/reconciliation/reconciliation-model';
import type { SimulationModel } from './model';
import { flowsOf, stuckFlows } from './flows-model';
import { reconciliationItems } from './recon-model';
import { SimulatedHub } from './simulated-hub';

/**
 * deepStrictEqual of the JSON both sides would be served as (which also makes values from jest's
 * sandbox and from native modules comparable); a failure says what disagreed and shows the diff.
 */
export function assertAgree(actual: unknown, expected: unknown, what: string): void {
  try {
    assert.deepStrictEqual(JSON.parse(JSON.stringify(actual)), JSON.parse(JSON.stringify(expected)));
  } catch (error) {
    throw new assert.AssertionError({ message: `${what}\n${error instanceof Error ? error.message : String(error)}` });
  }
}

/** Every entity view the hub projected equals the model's, and the hub has no entity the model lacks. */
export async function assertEntityViewsAgree(model: SimulationModel, hub: SimulatedHub): Promise<void> {
  const live = await readModelSnapshot(hub.readModels, [ENTITIES]);
  const expected = Object.fromEntries([...model.entityViews()].map(([key, view]) => [`${ENTITIES}/${key}`, view]));
  assertAgree(live, expected, 'entity views: hub (+ actual) and model (- expected) disagree');
}

/** Every reconciliation item (its kind, field, status, episode and reason) equals the model's, and there are no others. */
export async function assertReconciliationAgrees(model: SimulationModel, hub: SimulatedHub): Promise<void> {
  const live = await readModelSnapshot(hub.readModels, [RECON_ITEMS]);
  const shown = Object.fromEntries(
    Object.values(live).map((doc) => {
      const item = doc as { id: string; kind: string; field?: string; status: string; episode: number; reason?: string; since: string };
      return [item.id, { kind: item.kind, field: item.field, status: item.status, episode: item.episode, reason: item.reason, since: item.since }];
    }),
  );
  const expected = Object.fromEntries(
    [...reconciliationItems(model.ordered()).values()].map((item) => [item.id, { kind: item.kind, field: item.field, status: item.status, episode: item.episode, reason: item.reason, since: item.since }]),
  );
  assertAgree(shown, expected, 'reconciliation items: hub (+ actual) and model (- expected) disagree');
}

/** GET /v1/flows/stuck now lists exactly the flows the model says are stuck, each stated overdue or not as the model says. */
export async function assertStuckFlowsAgree(model: SimulationModel, hub: SimulatedHub, clock: ManualClock): Promise<void> {
  const shown = (await hub.stuckFlows()).map((flow) => ({ id: flow.id, recorded: flow.recorded })).sort((a, b) => (a.id < b.id ? -1 : 1));
  assertAgree(shown, stuckFlows(flowsOf(model.ordered()), clock.now()), 'stuck flows: hub (+ actual) and model (- expected) disagree');
}

/** Everything derived that the model knows: entity views, reconciliation items, stuck flows. */
export async function assertDerivedAgree(model: SimulationModel, hub: SimulatedHub, clock: ManualClock): Promise<void> {
  await assertEntityViewsAgree(model, hub);
  await assertReconciliationAgrees(model, hub);
  await assertStuckFlowsAgree(model, hub, clock);
}

/**
 * What must hold at the end of every run, whatever happened: the log holds each acknowledged event
 * exactly once at the position it was acknowledged with, gap-free, as sent; each stream's revisions are
 * gap-free and its hash chain verifies; every repeat was counted and none stored; every refusal is kept;
 * the projections, caught up, agree with the model and with a rebuild from position 0 into a new file.
 */
export async function assertFinalInvariants(model: SimulationModel, hub: SimulatedHub, clock: ManualClock): Promise<void> {
  await hub.project('catch-up');
  await assertDerivedAgree(model, hub, clock);

  const log = await hub.store.readAll({ after: 0, limit: Number.MAX_SAFE_INTEGER });
  assert.equal(log.length, model.head, 'the log holds exactly the acknowledged events');
  const streams = new Set<string>();
  for (const [index, event] of log.entries()) {
    assert.equal(event.position, index + 1, 'positions are gap-free');
    const expected = model.log.get(event.position);
    assert.ok(expected, `position ${event.position} (${event.id}) was never acknowledged`);
    assert.equal(event.id, expected.envelope.id, `position ${event.position}`);
    const { envelope, recordedAt } = expected;
    assert.deepEqual(
      { source: event.source, type: event.type, subject: event.subject, occurredAt: event.occurredAt, sourceSequence: event.sourceSequence, data: event.data, recordedAt: event.recordedAt },
      { source: envelope.source, type: envelope.type, subject: envelope.subject, occurredAt: envelope.occurredAt, sourceSequence: envelope.sourceSequence, data: envelope.data, recordedAt },
      `${event.id} is stored as it was sent`,
    );
    streams.add(event.stream);
    assert.equal((await hub.store.duplicateReceipts(event.id)).length, expected.redeliveries, `${event.id}: every repeat is counted as a duplicate receipt`);
  }
  assert.equal(new Set(log.map((e) => e.id)).size, log.length, 'no event id is stored twice');
  // The project's verifier (what `concord verify` runs), through the port: chains, revisions, positions.
  const verified = await verifyLog({ log: { kind: 'event-store', store: hub.store, consecutivePositions: true }, seals: [], keys: new Map() });
  assert.ok(verified.ok, `verify found ${JSON.stringify(verified.broken)}`);
  assert.deepEqual({ events: verified.events, streams: verified.streams }, { events: model.head, streams: streams.size }, 'verify walked every event of every stream');

  const refused = await hub.quarantine.list({ limit: 1000 });
  const kept = refused.items.map((entry) => ({ raw: entry.raw, reason: entry.reason, eventId: entry.eventId, attempts: entry.attempts, status: entry.status, replays: entry.replays.length }));
  const expectedKept = [...model.quarantine].map(([raw, q]) => ({ raw, reason: q.reason, eventId: q.eventId, attempts: q.attempts, status: q.status, replays: q.replays }));
  const byRaw = (a: { raw: string; reason: string }, b: { raw: string; reason: string }) => (a.raw + a.reason < b.raw + b.reason ? -1 : 1);
  assertAgree(kept.sort(byRaw), expectedKept.sort(byRaw), 'every refused input is kept once, with its reason and attempts');

  assert.equal(hub.store.db.pragma('integrity_check', { simple: true }), 'ok');
  await assertRebuildEqualsLive(hub, clock);
}

/** Every projection, replayed from position 0 into a new read-model file, equals the live one document for document. */
async function assertRebuildEqualsLive(hub: SimulatedHub, clock: ManualClock): Promise<void> {
  const dir = mkdtempSync(join(hub.dataDir, 'rebuild-'));
  const rebuilt = SqliteReadModelStore.open(join(dir, 'read-models.db'));
  try {
    for (const runner of SimulatedHub.runnersFor(hub.store, hub.keys, rebuilt, clock)) {
      await runner.resetToZero();
      await runner.catchUp();
      const collections = runner.projection.collections;
      assertAgree(await readModelSnapshot(hub.readModels, collections), await readModelSnapshot(rebuilt, collections), `${runner.projection.name}: live (actual) must equal rebuilt (expected)`);
    }
  } finally {
    await rebuilt.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
