import { mayLaterSucceed, topicForSource } from './kafka-publisher';

// The publisher itself is tested against a real broker (test/kafka/connector-sdk.kafka-spec.ts);
// these are the pure decisions it makes.
describe('KafkaPublisher decisions', () => {
  it('names the topic after the source', () => {
    expect(topicForSource('billing')).toBe('concord.events.billing');
  });

  it.each([
    ['a connection error under kafkajs’ retry wrappers', { name: 'KafkaJSNonRetriableError', cause: { name: 'KafkaJSNumberOfRetriesExceeded', cause: { name: 'KafkaJSConnectionError' } } }, true],
    ['a request timeout', { name: 'KafkaJSRequestTimeoutError' }, true],
    ['a retriable protocol error', { name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION' }, true],
    ['a record the broker finds too large, however deeply wrapped', { name: 'KafkaJSNonRetriableError', cause: { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' } }, false],
    ['a topic the client may not write', { name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' }, false],
    ['failed SASL authentication', { name: 'KafkaJSSASLAuthenticationError' }, false],
    ['something that is not an error at all', 'boom', true],
  ])('%s: may later succeed = %p', (_name, error, expected) => {
    expect(mayLaterSucceed(error)).toBe(expected);
  });

  it('stops at a cause that points to itself', () => {
    const loop: { name: string; cause?: unknown } = { name: 'KafkaJSError' };
    loop.cause = loop;
    expect(mayLaterSucceed(loop)).toBe(true);
  });
});
