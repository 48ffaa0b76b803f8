import { StoreUnavailableError } from '@concord/common';
import type { StoredEvent } from '@concord/event-store';
import { anEnvelope } from '@concord/event-store/testing';
import { isIntegrationEvent, outboxProjection, toOutboundMessage, typeMatcher, type OutboundMessage } from './integration-events';
import { isOutage, KafkaOutboundSink } from './kafka-outbound-sink';
import { parseTopicList } from './kafka-topics';

function stored(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    ...anEnvelope({ id: 'recon-1', source: 'concord', type: 'reconciliation.item-opened', data: { kind: 'status-mismatch' } }),
    position: 42,
    stream: 'order-SO-1',
    revision: 3,
    recordedAt: '2026-11-21T10:00:01.000Z',
    transport: { kind: 'internal', component: 'reconciliation' },
    prevHash: 'p'.repeat(64),
    hash: 'h'.repeat(64),
    ...overrides,
  };
}

describe('typeMatcher', () => {
  const matches = typeMatcher('reconciliation.item-*, flow.*,quarantine.replayed');
  it.each(['reconciliation.item-opened', 'reconciliation.item-resolved', 'flow.stuck', 'quarantine.replayed'])('publishes %s', (type) => expect(matches(type)).toBe(true));
  it.each(['reconciliation.run-finished', 'order.created', 'quarantine.replayedX', 'xflow.stuck', 'flowXstuck'])('keeps %s in', (type) => expect(matches(type)).toBe(false));
});

describe('isIntegrationEvent', () => {
  const all = typeMatcher('*');
  it("takes only the hub's own records, whatever their type", () => {
    expect(isIntegrationEvent(stored(), all)).toBe(true);
    expect(isIntegrationEvent(stored({ source: 'erp', type: 'reconciliation.item-opened' }), all)).toBe(false);
  });
});

describe('toOutboundMessage', () => {
  it('is keyed by subject and carries the public envelope, not the internal bookkeeping', () => {
    const message = toOutboundMessage(stored({ correlationId: 'flow-7' }));
    expect(message.key).toBe('order/SO-1');
    expect(message.headers).toEqual({ 'concord-event-id': 'recon-1', 'concord-event-type': 'reconciliation.item-opened', 'concord-position': '42' });
    const value = JSON.parse(message.value) as Record<string, unknown>;
    expect(value).toEqual({
      id: 'recon-1',
      type: 'reconciliation.item-opened',
      schemaVersion: 1,
      source: 'concord',
      subject: { type: 'order', id: 'SO-1' },
      occurredAt: '2026-11-21T10:00:00Z',
      recordedAt: '2026-11-21T10:00:01.000Z',
      position: 42,
      correlationId: 'flow-7',
      data: { kind: 'status-mismatch' },
      hash: 'h'.repeat(64),
    });
  });

  it('is the same message for the same event (a republished event dedupes by id)', () => {
    expect(toOutboundMessage(stored())).toEqual(toOutboundMessage(stored()));
  });
});

describe('outboxProjection', () => {
  function given() {
    const published: OutboundMessage[] = [];
    const projection = outboxProjection({ sink: { publish: async (messages) => void published.push(...messages) }, types: 'reconciliation.item-*' });
    const view = { get: async () => undefined, put: () => undefined, delete: () => undefined };
    return { published, apply: (event: StoredEvent) => projection.apply(event, view) };
  }

  it('publishes the integration events it meets, in log order', async () => {
    const { published, apply } = given();
    await apply(stored({ id: 'a', position: 1 }));
    await apply(stored({ id: 'order-1', source: 'erp', type: 'order.created', position: 2 }));
    await apply(stored({ id: 'b', position: 3, type: 'reconciliation.item-resolved' }));
    await apply(stored({ id: 'c', position: 4, type: 'quarantine.replayed' }));
    expect(published.map((m) => m.headers['concord-event-id'])).toEqual(['a', 'b']);
  });

  it('lets a failed publish through, so the runner does not move its checkpoint', async () => {
    const projection = outboxProjection({ sink: { publish: () => Promise.reject(new StoreUnavailableError('broker down')) }, types: '*' });
    await expect(projection.apply(stored(), { get: async () => undefined, put: () => undefined, delete: () => undefined })).rejects.toThrow(StoreUnavailableError);
  });
});

describe('KafkaOutboundSink', () => {
  class KafkaJSConnectionError extends Error {
    override readonly name = 'KafkaJSConnectionError';
  }
  class KafkaJSNumberOfRetriesExceeded extends Error {
    override readonly name = 'KafkaJSNumberOfRetriesExceeded';
    readonly retriable = false;
  }
  class KafkaJSProtocolError extends Error {
    override readonly name = 'KafkaJSProtocolError';
    readonly retriable = false;
  }

  it('sends with acks from all in-sync replicas to its topic', async () => {
    const sent: unknown[] = [];
    const sink = new KafkaOutboundSink({ send: async (record) => (sent.push(record), []) }, 'concord.integration-events');
    await sink.publish([toOutboundMessage(stored())]);
    expect(sent).toEqual([{ topic: 'concord.integration-events', acks: -1, messages: [expect.objectContaining({ key: 'order/SO-1' })] }]);
  });

  it('reports an unreachable broker as an outage (wait and retry), also once kafkajs gave up retrying', async () => {
    const down = new KafkaOutboundSink({ send: () => Promise.reject(new KafkaJSConnectionError('ECONNREFUSED')) }, 't');
    await expect(down.publish([])).rejects.toThrow(StoreUnavailableError);
    const exhausted = new KafkaJSNumberOfRetriesExceeded('gave up', { cause: new KafkaJSConnectionError('ECONNREFUSED') });
    expect(isOutage(exhausted)).toBe(true);
  });

  it('lets a refusal that retrying cannot fix stop the outbox with its reason', async () => {
    const tooLarge = new KafkaOutboundSink({ send: () => Promise.reject(new KafkaJSProtocolError('The request included a message larger than the max message size the server will accept')) }, 't');
    await expect(tooLarge.publish([])).rejects.toThrow(/larger than the max message size/);
    await expect(tooLarge.publish([])).rejects.not.toThrow(StoreUnavailableError);
  });
});

describe('parseTopicList', () => {
  it('reads names and /regular expressions/', () => {
    const [name, pattern] = parseTopicList(' concord.events.erp , /^concord\\.events\\..+$/ ,');
    expect(name).toBe('concord.events.erp');
    expect(pattern).toBeInstanceOf(RegExp);
    expect((pattern as RegExp).test('concord.events.crm')).toBe(true);
    expect((pattern as RegExp).test('other.events.crm')).toBe(false);
  });
});
