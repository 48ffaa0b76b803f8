import { randomBytes } from 'node:crypto';
import { describeEventStoreContract } from '../testing';
import { redactKurrentUrl } from './kurrent-client';
import { KurrentEventStore } from './kurrent-event-store';

/**
 * The shared contract suite, unchanged, against a REAL KurrentDB / EventStoreDB
 * (22.6 or later, insecure or with an admin connection string), e.g.
 *   CONCORD_KURRENTDB_URL='esdb://localhost:2113?tls=false' npx jest kurrent-event-store.server
 * Each test gets a fresh namespace, so runs never see each other's events.
 */
const url = process.env.CONCORD_KURRENTDB_URL;

if (url) {
  describeEventStoreContract(`KurrentDB server at ${redactKurrentUrl(url)}`, async () => {
    const namespace = `contract_${randomBytes(6).toString('hex')}`;
    const open = () => KurrentEventStore.connect(url, { namespace });
    let current = open();
    return {
      get store() {
        return current;
      },
      reopen: async () => {
        await current.close();
        current = open();
        return current;
      },
      teardown: async () => {
        await current.close();
      },
    };
  });
} else {
  const notice =
    'SKIPPED: the EventStore contract suite against a real KurrentDB needs CONCORD_KURRENTDB_URL (e.g. esdb://localhost:2113?tls=false); ' +
    'the adapter logic is still covered by kurrent-event-store.contract.spec.ts on a fake client.';
  console.warn(notice);
  describe('EventStore contract: KurrentDB server', () => {
    it.skip(notice, () => undefined);
  });
}
