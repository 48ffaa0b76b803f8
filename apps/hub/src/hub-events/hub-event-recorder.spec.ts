import type { CommandBus } from '@nestjs/cqrs';
import { HUB_SOURCE } from '@concord/contracts';
import { IngestEventsCommand, type IngestResult } from '../ingest/ingest-events.command';
import { HubEventRecorder, HubEventRefusedError, type HubEvent } from './hub-event-recorder';

const event: HubEvent = {
  id: 'recon:order/o-1:mismatch:status:opened:1',
  type: 'reconciliation.item-opened',
  subject: { type: 'reconciliation', id: 'order/o-1:mismatch:status' },
  occurredAt: '2026-11-21T10:00:00.000Z',
  causationId: 'erp-7',
  data: { itemId: 'order/o-1:mismatch:status' },
};

function busAnswering(answer: (command: IngestEventsCommand) => IngestResult[]): { bus: CommandBus; sent: IngestEventsCommand[] } {
  const sent: IngestEventsCommand[] = [];
  const bus = {
    execute: (command: IngestEventsCommand) => {
      sent.push(command);
      return Promise.resolve(answer(command));
    },
  } as unknown as CommandBus;
  return { bus, sent };
}

const stored = (index: number, id: string, status: 'appended' | 'duplicate', position: number): IngestResult => ({
  index,
  id,
  status,
  position,
  stream: 'reconciliation-x',
  revision: 0,
});

describe('HubEventRecorder', () => {
  it('sends the event through the ingest command as source concord, on an internal transport naming the component', async () => {
    const { bus, sent } = busAnswering(() => [stored(0, event.id, 'appended', 12)]);
    const recorded = await new HubEventRecorder(bus).recordOne('reconciliation', event);

    expect(recorded).toEqual({ id: event.id, status: 'appended', position: 12 });
    expect(sent).toHaveLength(1);
    const [item] = sent[0]!.items;
    expect(item!.transport).toEqual({ kind: 'internal', component: 'reconciliation' });
    expect(item!.payload).toEqual({
      id: event.id,
      source: HUB_SOURCE,
      type: 'reconciliation.item-opened',
      subject: event.subject,
      occurredAt: event.occurredAt,
      causationId: 'erp-7',
      data: event.data,
    });
  });

  it('reports a re-stated event as the duplicate the store found', async () => {
    const { bus } = busAnswering(() => [stored(0, event.id, 'duplicate', 12)]);
    await expect(new HubEventRecorder(bus).recordOne('reconciliation', event)).resolves.toEqual({ id: event.id, status: 'duplicate', position: 12 });
  });

  it('records several events in one ingest call, answers in order', async () => {
    const second = { ...event, id: 'recon:b' };
    const { bus, sent } = busAnswering(() => [stored(0, event.id, 'appended', 3), stored(1, second.id, 'duplicate', 2)]);
    const recorded = await new HubEventRecorder(bus).record('reconciliation', [event, second]);
    expect(sent).toHaveLength(1);
    expect(recorded.map((r) => [r.id, r.status])).toEqual([
      [event.id, 'appended'],
      [second.id, 'duplicate'],
    ]);
  });

  it('throws, naming the event and the reason, when the hub refuses its own event', async () => {
    const { bus } = busAnswering(() => [
      { index: 0, id: event.id, status: 'rejected', reason: 'contract-violation', message: 'data.itemId must be a string', errors: [], quarantineId: 'q-1' },
    ]);
    const recording = new HubEventRecorder(bus).recordOne('reconciliation', event);
    await expect(recording).rejects.toBeInstanceOf(HubEventRefusedError);
    await expect(recording).rejects.toThrow(/reconciliation\.item-opened event recon:order\/o-1:mismatch:status:opened:1 was refused \(contract-violation\): data\.itemId/);
  });

  it('does not call the ingest command for nothing', async () => {
    const { bus, sent } = busAnswering(() => []);
    await expect(new HubEventRecorder(bus).record('reconciliation', [])).resolves.toEqual([]);
    expect(sent).toHaveLength(0);
  });
});
