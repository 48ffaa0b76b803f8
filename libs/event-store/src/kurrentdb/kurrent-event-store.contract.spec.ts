import { describeEventStoreContract, FakeKurrentClient } from '../testing';
import { KurrentEventStore } from './kurrent-event-store';

/**
 * The shared contract suite, unchanged, against the adapter on a fake client.
 * This proves the adapter's logic (idempotency protocol, chains, position
 * mapping, filtering, subscriptions) against the client's documented
 * behaviour; it does not prove the server. The same suite runs against a real
 * KurrentDB in kurrent-event-store.server.spec.ts when CONCORD_KURRENTDB_URL is set.
 */
describeEventStoreContract('KurrentDB adapter on a fake client (adapter logic, not the server)', async () => {
  const client = new FakeKurrentClient();
  let current = new KurrentEventStore(client, { subscriptionRetryDelaysMs: [1, 1, 1] });
  return {
    get store() {
      return current;
    },
    reopen: async () => {
      await current.close();
      current = new KurrentEventStore(client, { subscriptionRetryDelaysMs: [1, 1, 1] });
      return current;
    },
    teardown: async () => {
      await current.close();
    },
  };
});
