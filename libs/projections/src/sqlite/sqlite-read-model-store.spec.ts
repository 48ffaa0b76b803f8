import { describeReadModelStoreContract } from '../testing';
import { SqliteReadModelStore } from './sqlite-read-model-store';

describeReadModelStoreContract('SQLite', async () => {
  const store = SqliteReadModelStore.open(':memory:');
  return { store, teardown: () => store.close() };
});
