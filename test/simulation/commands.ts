import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ManualClock } from '@concord/common';
import type { StoredEvent } from '@concord/event-store';
import type { IngestResult } from '../../apps/hub/src/ingest/ingest-events.command';
import { flowRecords, flowsOf } from './flows-model';
import { assertAgree, assertDerivedAgree } from './invariants';
import { dueRecords, reconciliationItems } from './recon-model';
import { HUB_SOURCE, ORDERS, SOURCES, STATUSES, type Accepted, type Envelope, type Report, type SimulationModel } from './model';
import type { SimulatedHub } from './simulated-hub';

/** The system under test, replaced by a new one on every restart. */
export interface Real {
  hub: SimulatedHub;
  readonly clock: ManualClock;
  restarts: number;
}

type SimCommand = fc.AsyncCommand<SimulationModel, Real>;

/** The envelope a source system means to send for a report (what an operator's corrected replay carries). */
function envelopeOf(model: SimulationModel, report: Report, clock: ManualClock, sequence?: number): Envelope {
  const seq = sequence ?? (report.sequenced ? model.nextSequence(report.source, report.order) : undefined);
  const data = report.full ? { customerId: `C-${report.order}`, status: report.status, total: { amount: model.sent.length + 0.5, currency: 'EUR' } } : { status: report.status };
  return {
    id: model.nextId(report.source),
    source: report.source,
    type: report.full ? 'order.created' : 'order.status-changed',
    subject: { type: 'order', id: report.order },
    occurredAt: clock.now().toISOString(),
    ...(seq !== undefined ? { sourceSequence: seq } : {}),
    data,
  };
}

/** What it sends instead when the report has a defect: input the hub must refuse with a reason, and keep. */
function withDefect(envelope: Envelope, defect: Report['defect']): Envelope {
  switch (defect) {
    case 'none':
      return envelope;
    case 'contract': {
      const { total } = envelope.data as { total?: { amount: number; currency: string } };
      return { ...envelope, data: total ? { ...envelope.data, total: { ...total, amount: String(total.amount) } } : { ...envelope.data, status: 42 } };
    }
    case 'envelope':
      return { ...envelope, occurredAt: envelope.occurredAt.replace('Z', '') }; // a time without a zone, which the hub must not guess
  }
}

const REASON_OF: Record<Report['defect'], string | undefined> = { none: undefined, contract: 'contract-violation', envelope: 'invalid-envelope' };

/**
 * Checks one answer against what the model expects for a first delivery and records it:
 * a good event is appended at the next position and revision, a bad one refused with its reason and kept.
 */
function expectFirstDelivery(model: SimulationModel, sent: Envelope, meant: Envelope, defect: Report['defect'], result: IngestResult | undefined, recordedAt: string): void {
  assert.ok(result, `no answer for ${sent.id}`);
  const reason = REASON_OF[defect];
  if (reason) {
    assert.equal(result.status, 'rejected', `${sent.id} (${defect} defect) must be refused, got ${JSON.stringify(result)}`);
    assert.equal(result.status === 'rejected' && result.reason, reason);
    assert.ok(result.status === 'rejected' && result.quarantineId, 'a refusal names its quarantine entry');
    model.refuse(JSON.stringify(sent), reason, sent.id, meant);
    return;
  }
  expectAppended(model, sent, result, recordedAt);
}

function expectAppended(model: SimulationModel, envelope: Envelope, result: IngestResult | undefined, recordedAt: string): void {
  const stream = model.streamOf(envelope);
  assert.deepEqual(result, { index: result?.index, id: envelope.id, status: 'appended', position: model.head + 1, stream, revision: model.nextRevision(stream) });
  model.accept(envelope, model.head + 1, recordedAt);
}

/** What a repeat of an earlier delivery must get: the same position as a duplicate, or the same refusal again. */
function expectRedelivery(model: SimulationModel, envelope: Envelope, result: IngestResult | undefined): void {
  assert.ok(result, `no answer for the redelivery of ${envelope.id}`);
  const accepted = model.byId.get(envelope.id);
  const raw = JSON.stringify(envelope);
  if (accepted && JSON.stringify(accepted.envelope) === raw) {
    expectDuplicate(model, accepted, result);
    return;
  }
  const kept = model.quarantine.get(raw);
  // Validation comes before the log is asked: input that breaks its contract is refused for that, whatever is stored under its id.
  const reason = kept?.reason ?? (accepted ? 'id-reused-with-different-content' : undefined);
  assert.ok(reason, `model: ${envelope.id} was neither stored nor refused`);
  assert.equal(result.status, 'rejected', `${envelope.id} must be refused again (${reason}), got ${JSON.stringify(result)}`);
  assert.equal(result.status === 'rejected' && result.reason, reason);
  // For an id reused with other content, what stands is the stored event: replaying it is a duplicate.
  model.refuse(raw, reason, envelope.id, kept?.corrected ?? accepted!.envelope);
}

function expectDuplicate(model: SimulationModel, accepted: Accepted, result: IngestResult | undefined): void {
  const stream = model.streamOf(accepted.envelope);
  const revision = [...model.log.values()].filter((e) => model.streamOf(e.envelope) === stream && e.position < accepted.position).length;
  assert.deepEqual(result, { index: result?.index, id: accepted.envelope.id, status: 'duplicate', position: accepted.position, stream, revision });
  accepted.redeliveries++;
}

/**
 * A fresh delivery of 1..n reports in one request; optionally the request carries its first event twice;
 * `live`: while the projections follow the log, after which their views must agree at once.
 */
class Deliver implements SimCommand {
  constructor(
    readonly reports: readonly Report[],
    readonly repeatFirst: boolean,
    readonly live = false,
  ) {}
  check = (): boolean => true;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const meant = this.reports.map((report) => envelopeOf(model, report, real.clock));
    const envelopes = meant.map((envelope, i) => withDefect(envelope, this.reports[i]!.defect));
    const payloads = this.repeatFirst ? [...envelopes, envelopes[0]!] : envelopes;
    const recordedAt = real.clock.now().toISOString();
    const results = this.live ? await real.hub.whileFollowing(() => real.hub.deliver(payloads)) : await real.hub.deliver(payloads);
    envelopes.forEach((envelope, i) => expectFirstDelivery(model, envelope, meant[i]!, this.reports[i]!.defect, results[i], recordedAt));
    model.sent.push(...envelopes);
    if (this.repeatFirst) expectRedelivery(model, envelopes[0]!, results[envelopes.length]);
    if (this.live) await assertDerivedAgree(model, real.hub, real.clock);
  }
  toString = (): string => `Deliver(${this.reports.map(describeReport).join(', ')}${this.repeatFirst ? ', first again' : ''}${this.live ? ', projections following live' : ''})`;
}

/** A retry or redelivery of earlier events, exactly as sent, or (altered) the same id with other content. */
class Redeliver implements SimCommand {
  constructor(readonly picks: ReadonlyArray<{ readonly pick: number; readonly altered: boolean }>) {}
  check = (model: Readonly<SimulationModel>): boolean => model.sent.length > 0;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const envelopes = this.picks.map(({ pick, altered }) => {
      const original = model.sent[pick % model.sent.length]!;
      // "The same id with other content" is about what is stored (a refused input altered could become valid).
      const stored = model.byId.get(original.id)?.envelope;
      return altered && stored ? { ...stored, data: { ...stored.data, status: 'ALTERED' } } : original;
    });
    const results = await real.hub.deliver(envelopes);
    envelopes.forEach((envelope, i) => expectRedelivery(model, envelope, results[i]));
  }
  toString = (): string => `Redeliver(${this.picks.map(({ pick, altered }) => `#${pick}${altered ? ' altered' : ''}`).join(', ')})`;
}

/** Two reports of one source about one order arrive in the opposite order (two requests): the older one is stale. */
class Reorder implements SimCommand {
  constructor(
    readonly first: Report,
    readonly second: Report,
  ) {}
  check = (): boolean => true;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const older = envelopeOf(model, this.first, real.clock, model.nextSequence(this.first.source, this.first.order));
    const newer = envelopeOf(model, this.second, real.clock, model.nextSequence(this.first.source, this.first.order));
    for (const envelope of [newer, older]) {
      const [result] = await real.hub.deliver([envelope]);
      expectAppended(model, envelope, result, real.clock.now().toISOString());
      model.sent.push(envelope);
    }
  }
  toString = (): string => `Reorder(${describeReport(this.first)} overtaken by ${describeReport(this.second)})`;
}

/** A report that arrives after newer ones from the same source: its sourceSequence is `lag` below the last one. */
class DeliverLate implements SimCommand {
  constructor(
    readonly report: Report,
    readonly lag: number,
  ) {}
  check = (model: Readonly<SimulationModel>): boolean => model.lastSequence(this.report.source, this.report.order) !== undefined;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const last = model.lastSequence(this.report.source, this.report.order)!;
    const envelope = envelopeOf(model, this.report, real.clock, Math.max(0, last - this.lag));
    const [result] = await real.hub.deliver([envelope]);
    expectAppended(model, envelope, result, real.clock.now().toISOString());
    model.sent.push(envelope);
  }
  toString = (): string => `DeliverLate(${describeReport(this.report)}, ${this.lag} behind)`;
}

/** The projections catch up (or follow the log live up to the head); every entity view must equal the model's. */
class Project implements SimCommand {
  constructor(readonly mode: 'catch-up' | 'live') {}
  check = (): boolean => true;
  async run(model: SimulationModel, real: Real): Promise<void> {
    await real.hub.project(this.mode);
    await assertDerivedAgree(model, real.hub, real.clock);
  }
  toString = (): string => `Project(${this.mode})`;
}

/**
 * The process dies and restarts: optionally while a projection batch is applied but not committed, and
 * with requests in flight whose answers are lost. The client then retries those requests, as any
 * client without an answer must; whether they were stored before the crash, the retry finds out.
 */
class Crash implements SimCommand {
  constructor(
    readonly duringProjection: boolean,
    readonly inFlight: readonly Report[],
  ) {}
  check = (): boolean => true;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const checkpointsBefore = await checkpoints(real.hub);
    const envelopes = this.inFlight.map((report) => envelopeOf(model, report, real.clock));
    real.restarts++;
    real.hub = await real.hub.crash({ duringProjection: this.duringProjection, inFlight: envelopes, restarts: real.restarts });
    // A batch that died before its commit left no trace: documents and checkpoints are as they were.
    assert.deepEqual(await checkpoints(real.hub), checkpointsBefore, 'a projection crash before commit must not move a checkpoint');

    if (envelopes.length > 0) {
      const results = await real.hub.deliver(envelopes);
      const recordedAt = real.clock.now().toISOString();
      for (const [i, envelope] of envelopes.entries()) {
        const result = results[i];
        assert.ok(result && result.status !== 'rejected', `the retry of ${envelope.id} was refused: ${JSON.stringify(result)}`);
        // Stored before the crash (duplicate) or only now (appended): either way once, at the position given.
        model.accept(envelope, result.position, recordedAt);
        if (result.status === 'duplicate') model.byId.get(envelope.id)!.redeliveries++; // the retry is the repeat
      }
      model.sent.push(...envelopes);
    }
    assert.equal(await real.hub.store.headPosition(), model.head, 'after a restart and the retries, the log holds exactly what was acknowledged');
    model.ordered(); // gap-free
  }
  toString = (): string => `Crash(${this.duringProjection ? 'during projection, ' : ''}${this.inFlight.length} in flight)`;
}

/**
 * An operator replays a quarantined input (POST /v1/quarantine/:id/replay): as it was (refused again for
 * the same reason; the entry stays as it was) or with the corrected payload (stored once: a second
 * corrected replay is a duplicate; the entry is resolved). Every attempt is also a `quarantine.replayed`
 * event in the log, right after what the replay stored.
 */
class ReplayQuarantine implements SimCommand {
  constructor(
    readonly pick: number,
    readonly corrected: boolean,
  ) {}
  check = (model: Readonly<SimulationModel>): boolean => model.quarantine.size > 0;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const [raw, expected] = [...model.quarantine][this.pick % model.quarantine.size]!;
    const entry = (await real.hub.quarantine.list({ ...(expected.eventId ? { eventId: expected.eventId } : {}), limit: 100 })).items.find((e) => e.raw === raw && e.reason === expected.reason);
    assert.ok(entry, `the refused input ${expected.eventId} (${expected.reason}) is not in the quarantine`);
    const at = real.clock.now().toISOString();
    const { attempt, status } = await real.hub.replayQuarantined(entry, this.corrected ? (expected.corrected as unknown as Record<string, unknown>) : undefined);
    expected.replays++;
    let outcome: Record<string, unknown>;
    if (!this.corrected) {
      assert.equal(attempt.outcome, 'rejected', `a replay as it was must be refused again: ${JSON.stringify(attempt)}`);
      assert.equal(attempt.reason, expected.reason);
      outcome = { outcome: 'rejected', reason: expected.reason, ...(expected.eventId ? { eventId: expected.eventId } : {}) };
    } else {
      const stored = model.byId.get(expected.corrected.id);
      if (stored) {
        assert.deepEqual({ outcome: attempt.outcome, position: attempt.position }, { outcome: 'duplicate', position: stored.position }, 'a corrected replay of what is stored is a duplicate');
        stored.redeliveries++;
      } else {
        assert.deepEqual({ outcome: attempt.outcome, position: attempt.position }, { outcome: 'appended', position: model.head + 1 });
        model.accept(expected.corrected, model.head + 1, at);
      }
      expected.status = 'resolved';
      outcome = { outcome: attempt.outcome, eventId: expected.corrected.id, position: attempt.position };
    }
    assert.equal(status, expected.status);
    const record: Envelope = {
      id: attempt.auditEventId!,
      source: HUB_SOURCE,
      type: 'quarantine.replayed',
      subject: { type: 'quarantine', id: entry.id },
      occurredAt: at,
      data: { quarantineId: entry.id, attemptId: attempt.id, corrected: this.corrected, ...outcome },
    };
    model.accept(record, model.head + 1, at);
  }
  toString = (): string => `ReplayQuarantine(#${this.pick}${this.corrected ? ', corrected' : ''})`;
}

/**
 * What a sweeper appended since `before` must be exactly the records the model expects (compared by
 * `keyOf`), each once; then they join the model's log where the hub put them.
 */
async function expectSweepRecords(model: SimulationModel, real: Real, before: number, expected: readonly string[], keyOf: (event: StoredEvent) => string, what: string): Promise<void> {
  const recorded = await real.hub.store.readAll({ after: before, limit: 100_000 });
  assertAgree(recorded.map(keyOf).sort(), [...expected].sort(), `${what} recorded (+) other records than the model expects (-)`);
  for (const event of recorded) {
    assert.equal(event.source, HUB_SOURCE);
    const envelope: Envelope = { id: event.id, source: event.source, type: event.type, subject: event.subject, occurredAt: event.occurredAt, data: event.data as Record<string, unknown> };
    model.accept(envelope, event.position, event.recordedAt);
  }
}

/**
 * The reconciliation sweeper runs at the current (virtual) time: it must record exactly the openings of
 * the pending items past their grace and the resolutions not yet announced, each once.
 */
class SweepReconciliation implements SimCommand {
  check = (): boolean => true;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const expected = dueRecords(reconciliationItems(model.ordered()), real.clock.now());
    const before = model.head;
    const report = await real.hub.sweepReconciliation();
    assert.equal(report.skipped, undefined, `the sweep was skipped: ${report.skipped}`);
    const opened = expected.filter((r) => r.type === 'reconciliation.item-opened').length;
    assert.deepEqual({ opened: report.opened, resolved: report.resolved, duplicates: report.duplicates }, { opened, resolved: expected.length - opened, duplicates: 0 });
    const keyOf = (r: { type: string; itemId?: unknown; episode?: unknown }) => `${r.type} ${String(r.itemId)} #${String(r.episode)}`;
    await expectSweepRecords(model, real, before, expected.map(keyOf), (e) => keyOf({ type: e.type, ...(e.data as object) }), 'the reconciliation sweeper');
  }
  toString = (): string => 'SweepReconciliation';
}

/**
 * The stuck-flow sweeper runs at the current (virtual) time: it must state exactly the flows past their
 * deadline overdue and the ones met after that cleared, each once; GET /v1/flows/stuck must follow.
 */
class SweepFlows implements SimCommand {
  check = (): boolean => true;
  async run(model: SimulationModel, real: Real): Promise<void> {
    const expected = flowRecords(flowsOf(model.ordered()), real.clock.now());
    const before = model.head;
    const report = await real.hub.sweepFlows();
    assert.ok(report.swept, `the flow sweep was skipped: ${report.swept ? '' : report.reason}`);
    const overdue = expected.filter((r) => r.type === 'flow.overdue').length;
    assert.deepEqual({ overdue: report.overdue, cleared: report.cleared, duplicates: report.duplicates }, { overdue, cleared: expected.length - overdue, duplicates: 0 });
    const keyOf = (type: string, id: unknown) => `${type} ${String(id)}`;
    await expectSweepRecords(model, real, before, expected.map((r) => keyOf(r.type, r.id)), (e) => keyOf(e.type, (e.data as { expectationId?: unknown }).expectationId), 'the flow sweeper');
    await real.hub.project('catch-up');
    await assertDerivedAgree(model, real.hub, real.clock);
  }
  toString = (): string => 'SweepFlows';
}

class AdvanceClock implements SimCommand {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(_model: SimulationModel, real: Real): Promise<void> {
    real.clock.advance(this.ms);
  }
  toString = (): string => `AdvanceClock(${this.ms} ms)`;
}

async function checkpoints(hub: SimulatedHub): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const runner of hub.runners) out[runner.projection.name] = (await hub.readModels.checkpoint(runner.projection.name))?.position ?? 0;
  return out;
}

function describeReport(r: Report): string {
  return `${r.source}:${r.order}:${r.full ? 'created' : 'status'}:${r.status}${r.sequenced ? '' : ':unsequenced'}${r.defect === 'none' ? '' : `:${r.defect}-defect`}`;
}

const goodReport = (overrides: { [K in keyof Report]?: fc.Arbitrary<Report[K]> } = {}) =>
  fc.record<Report>({
    source: fc.constantFrom(...SOURCES),
    order: fc.constantFrom(...ORDERS),
    full: fc.boolean(),
    status: fc.constantFrom(...STATUSES),
    sequenced: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    defect: fc.constant('none' as const),
    ...overrides,
  });

const anyReport: fc.Arbitrary<Report> = goodReport().chain((report) =>
  fc.oneof({ weight: 8, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constant('contract' as const) }, { weight: 1, arbitrary: fc.constant('envelope' as const) }).map((defect) => ({ ...report, defect })),
);

/** Every command the simulation draws from; weights favour deliveries, so runs build up history. */
export function simulationCommands(): Array<fc.Arbitrary<SimCommand>> {
  return [
    fc.tuple(fc.array(anyReport, { minLength: 1, maxLength: 5 }), fc.boolean()).map(([reports, repeat]) => new Deliver(reports, repeat && reports[0]!.defect === 'none')),
    fc.tuple(fc.array(anyReport, { minLength: 1, maxLength: 5 }), fc.boolean()).map(([reports, repeat]) => new Deliver(reports, repeat && reports[0]!.defect === 'none', true)),
    fc.array(fc.record({ pick: fc.nat(), altered: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) }), { minLength: 1, maxLength: 4 }).map((picks) => new Redeliver(picks)),
    fc.tuple(goodReport({ sequenced: fc.constant(true) }), goodReport({ sequenced: fc.constant(true) })).map(([first, second]) => new Reorder(first, { ...second, source: first.source, order: first.order })),
    fc.tuple(goodReport({ sequenced: fc.constant(true) }), fc.nat({ max: 3 })).map(([report, lag]) => new DeliverLate(report, lag)),
    fc.constantFrom('catch-up' as const, 'live' as const).map((mode) => new Project(mode)),
    fc.tuple(fc.boolean(), fc.array(goodReport(), { maxLength: 3 })).map(([during, inFlight]) => new Crash(during, inFlight)),
    fc.tuple(fc.nat(), fc.boolean()).map(([pick, corrected]) => new ReplayQuarantine(pick, corrected)),
    fc.constant(new SweepReconciliation()),
    fc.constant(new SweepFlows()),
    // Mostly within the reconciliation grace (300 s), sometimes well past it.
    fc.oneof(fc.integer({ min: 1, max: 240_000 }), fc.integer({ min: 1, max: 3_600_000 })).map((ms) => new AdvanceClock(ms)),
  ];
}
