import { ManualClock } from '@concord/common';
import type { EventStore } from '@concord/event-store';
import type { ProjectionCheckpoint, ReadModelStore } from '@concord/projections';
import type { ConcordConfig } from '../config/concord-config';
import type { HubEvent, HubEventRecorder } from '../hub-events/hub-event-recorder';
import type { ProjectionsService } from '../projections/projections.service';
import type { Expectation } from './flow-expectation';
import { FlowSweeper } from './flow-sweeper';
import { FLOWS_PROJECTION, flowsProjectionVersion } from './flows.projection';
import type { StuckFlows } from './stuck-flows';
import { exampleFlowRules } from './testing/example-flow-rules';

const waiting: Expectation = {
  id: 'order-reaches-crm/order/SO-1',
  rule: 'order-reaches-crm',
  entity: { type: 'order', id: 'SO-1' },
  phase: 'waiting',
  open: true,
  starts: 1,
  startedBy: { eventId: 'e1', type: 'order.created', source: 'erp', at: '2026-11-21T09:00:00Z', recordedAt: '2026-11-21T09:00:00.000Z', position: 1 },
  expectedBy: '2026-11-21T09:15:00.000Z',
  candidates: [],
  candidatesDropped: 0,
};

function sweeperWith(options: { active?: boolean; checkpoint?: Partial<ProjectionCheckpoint> }) {
  const recorded: HubEvent[] = [];
  const recorder = {
    record: (_component: string, events: readonly HubEvent[]) => {
      recorded.push(...events);
      return Promise.resolve(events.map((e, i) => ({ id: e.id, status: 'appended' as const, position: 10 + i })));
    },
  } as unknown as HubEventRecorder;
  const checkpoint: ProjectionCheckpoint = { name: FLOWS_PROJECTION, version: flowsProjectionVersion(exampleFlowRules), position: 5, state: 'running', updatedAt: '', ...options.checkpoint };
  const sweeper = new FlowSweeper(
    { toState: () => Promise.resolve([waiting]) } as unknown as StuckFlows,
    recorder,
    { isActiveHere: (name: string) => name === FLOWS_PROJECTION && (options.active ?? true) } as unknown as ProjectionsService,
    exampleFlowRules,
    { headPosition: () => Promise.resolve(5) } as unknown as EventStore,
    { checkpoint: () => Promise.resolve(checkpoint) } as unknown as ReadModelStore,
    new ManualClock('2026-11-21T10:00:00.000Z'),
    { CONCORD_FLOW_SWEEP_MS: 5000 } as ConcordConfig,
  );
  return { sweeper, recorded };
}

describe('flow sweeper', () => {
  it('states what is overdue once the projection has applied the head, and reports it', async () => {
    const { sweeper, recorded } = sweeperWith({});
    expect(await sweeper.sweep()).toEqual({ swept: true, at: '2026-11-21T10:00:00.000Z', overdue: 1, cleared: 0, duplicates: 0 });
    expect(recorded.map((e) => e.id)).toEqual(['flow:order-reaches-crm/order/SO-1:overdue']);
    expect(sweeper.lastSweep).toMatchObject({ swept: true, overdue: 1 });
  });

  it('leaves the sweeping to the instance that runs the flows projection', async () => {
    const { sweeper, recorded } = sweeperWith({ active: false });
    expect(await sweeper.sweep()).toMatchObject({ swept: false, reason: 'another instance runs the flows projection and sweeps' });
    expect(recorded).toEqual([]);
  });

  it('states nothing while the projection is failed (its model may be behind), and says why', async () => {
    const { sweeper, recorded } = sweeperWith({ checkpoint: { state: 'failed', position: 3, lastError: { eventId: 'x', position: 4, message: 'boom', at: '' } } });
    expect(await sweeper.sweep()).toMatchObject({ swept: false, reason: 'the flows projection failed at position 4: boom' });
    expect(recorded).toEqual([]);
  });

  it('shares one sweep between concurrent calls', async () => {
    const { sweeper, recorded } = sweeperWith({});
    const [a, b] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    expect(a).toBe(b);
    expect(recorded).toHaveLength(1);
  });
});
