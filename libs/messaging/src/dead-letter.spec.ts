import { deadLetterFor } from './dead-letter';
import { toDelivery } from './kafka-delivery';

describe('deadLetterFor', () => {
  const message = {
    key: Buffer.from('order/SO-1'),
    value: Buffer.from('not json'),
    offset: '17',
    headers: { traceparent: Buffer.from('00-abc'), 'concord-reason': 'forged by the producer', multi: ['a', 'b'] },
  };
  const delivery = toDelivery('concord.events.crm', 1, message);
  const letter = deadLetterFor(delivery, message, { status: 'rejected', reason: 'malformed-json', message: 'the message value is not JSON', quarantineId: 'q-9' });

  it('carries the message byte for byte', () => {
    expect(letter.key).toBe(message.key);
    expect(letter.value).toBe(message.value);
  });

  it('says why, where it came from, and where to replay it from', () => {
    expect(letter.headers).toMatchObject({
      'concord-reason': 'malformed-json',
      'concord-message': 'the message value is not JSON',
      'concord-quarantine-id': 'q-9',
      'concord-original-topic': 'concord.events.crm',
      'concord-original-partition': '1',
      'concord-original-offset': '17',
      'concord-dead-letter-id': 'concord.events.crm/1/17',
    });
  });

  it("keeps the producer's own headers but never lets them pose as the hub's", () => {
    expect(letter.headers.traceparent).toEqual(Buffer.from('00-abc'));
    expect(letter.headers.multi).toBe('a');
    expect(letter.headers['concord-reason']).toBe('malformed-json');
  });

  it('cuts a long message (the quarantine keeps it whole)', () => {
    const long = deadLetterFor(delivery, message, { status: 'rejected', reason: 'contract-violation', message: 'x'.repeat(5000), quarantineId: 'q-1' });
    expect(long.headers['concord-message']).toHaveLength(1000);
  });

  it('gives a redelivery of the same message the same dead-letter id', () => {
    const again = deadLetterFor(toDelivery('concord.events.crm', 1, message), message, { status: 'rejected', reason: 'malformed-json', message: 'm', quarantineId: 'q-9' });
    expect(again.headers['concord-dead-letter-id']).toBe(letter.headers['concord-dead-letter-id']);
  });
});
