import type { EventEnvelope } from '@concord/contracts';
import { anEnvelope } from '@concord/event-store/testing';
import { ProjectionTestbed } from '@concord/projections/testing';
import { AUDIT_FLOWS, auditFlowsProjection, FLOW_LIST_CAP, FLOW_STEPS, flowStepPrefix, FLOWS, type FlowStep, type FlowSummary } from './audit-flows.projection';

function event(id: string, correlationId: string | undefined, extra: Partial<EventEnvelope> = {}): EventEnvelope {
  return anEnvelope({ id, occurredAt: '2026-11-21T09:00:00Z', ...(correlationId ? { correlationId } : {}), ...extra });
}

describe('audit-flows projection', () => {
  let bed: ProjectionTestbed;

  beforeEach(() => {
    bed = new ProjectionTestbed(auditFlowsProjection);
  });

  afterEach(() => bed.close());

  async function steps(correlationId: string): Promise<FlowStep[]> {
    const page = await bed.readModels.query(FLOW_STEPS, { keyPrefix: flowStepPrefix(correlationId), limit: 500 });
    return page.items.map((item) => item.doc as unknown as FlowStep);
  }

  it('given events of two flows interleaved, indexes each flow’s events in log order with the time between them', async () => {
    const stored = await bed.given(
      [
        event('a1', 'flow-a', { occurredAt: '2026-11-21T09:00:00Z' }),
        event('b1', 'flow-b', { source: 'crm', subject: { type: 'customer', id: 'C-1' } }),
        event('n1', undefined),
        event('a2', 'flow-a', { source: 'billing', type: 'invoice.issued', subject: { type: 'invoice', id: 'I-1' }, occurredAt: '2026-11-21T08:59:00Z' }),
      ],
      { stepMs: 60_000 },
    );
    await bed.run();
    expect(await steps('flow-a')).toEqual([
      { correlationId: 'flow-a', step: 1, position: 1, eventId: 'a1', recordedAt: stored[0]!.recordedAt, occurredAt: '2026-11-21T09:00:00Z', sincePreviousMs: null, occurredSincePreviousMs: null },
      { correlationId: 'flow-a', step: 2, position: 4, eventId: 'a2', recordedAt: stored[3]!.recordedAt, occurredAt: '2026-11-21T08:59:00Z', sincePreviousMs: 180_000, occurredSincePreviousMs: -60_000 },
    ]);
    expect(await bed.doc<FlowSummary & Record<string, unknown>>(FLOWS, 'flow-a')).toEqual({
      correlationId: 'flow-a',
      steps: 2,
      firstPosition: 1,
      lastPosition: 4,
      firstRecordedAt: stored[0]!.recordedAt,
      lastRecordedAt: stored[3]!.recordedAt,
      lastOccurredAt: '2026-11-21T08:59:00Z',
      subjects: ['order/SO-1', 'invoice/I-1'],
      subjectsTruncated: false,
      sources: ['erp', 'billing'],
    });
    expect((await steps('flow-b')).map((s) => s.eventId)).toEqual(['b1']);
  });

  it('a flow id that is a prefix of another does not pick up the other’s steps', async () => {
    await bed.given([event('x1', 'order-1'), event('y1', 'order-10'), event('x2', 'order-1')]);
    await bed.run();
    expect((await steps('order-1')).map((s) => s.eventId)).toEqual(['x1', 'x2']);
    expect((await steps('order-10')).map((s) => s.eventId)).toEqual(['y1']);
  });

  it('orders steps by position even past ten steps (keys are zero-padded)', async () => {
    await bed.given(Array.from({ length: 12 }, (_, i) => event(`e${i}`, 'long')));
    await bed.run();
    expect((await steps('long')).map((s) => s.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('caps the entity list of a runaway flow and says so', async () => {
    await bed.given(Array.from({ length: FLOW_LIST_CAP + 2 }, (_, i) => event(`e${i}`, 'wide', { subject: { type: 'order', id: `SO-${i}` } })), { stepMs: 1 });
    await bed.run();
    const summary = await bed.doc<FlowSummary & Record<string, unknown>>(FLOWS, 'wide');
    expect(summary!.subjects).toHaveLength(FLOW_LIST_CAP);
    expect(summary!.subjectsTruncated).toBe(true);
    expect(summary!.steps).toBe(FLOW_LIST_CAP + 2);
  });

  it('equals a rebuild from zero', async () => {
    await bed.given([event('a1', 'f'), event('a2', 'f', { source: 'crm' }), event('b1', 'g')]);
    await bed.run();
    const live = await bed.snapshot();
    expect(Object.keys(live)).toHaveLength(5);
    expect(await bed.rebuild()).toEqual(live);
    expect(bed.runner.projection.name).toBe(AUDIT_FLOWS);
  });
});
