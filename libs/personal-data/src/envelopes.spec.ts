import { ContractRegistry, exampleContracts, type EventEnvelope } from '@concord/contracts';
import { personalPathsForSubjectType, revealPersonalData, sealEnvelope } from './envelopes';
import { SqliteKeyVault } from './sqlite-key-vault';

const registry = new ContractRegistry(exampleContracts);
const subject = { type: 'customer', id: 'C-1' };
const event: EventEnvelope = {
  id: 'crm-1',
  source: 'crm',
  type: 'customer.upserted',
  schemaVersion: 1,
  subject,
  occurredAt: '2026-11-21T10:00:00Z',
  data: { name: 'Ada', email: 'ada@example.com', status: 'active' },
};

describe('personal data on events', () => {
  let vault: SqliteKeyVault;

  beforeEach(() => {
    vault = SqliteKeyVault.open(':memory:');
  });

  afterEach(() => vault.close());

  it('names every personal path a subject type has, across its contracts', () => {
    expect(personalPathsForSubjectType(registry, 'customer')).toEqual(['email', 'name', 'phone']);
    expect(personalPathsForSubjectType(registry, 'order')).toEqual([]);
  });

  it('given an event of a contract without personal fields, reading returns it untouched', () => {
    const order = { ...event, type: 'order.created', subject: { type: 'order', id: 'SO-1' }, data: { name: 'not personal here' } };
    expect(revealPersonalData(registry, vault)(order)).toBe(order);
  });

  it('given a reader that opened an event, when the subject is forgotten, then the same reader reads "[erased]" (nothing opened is kept)', async () => {
    const [writing] = await vault.keysForWriting([subject]);
    const stored = sealEnvelope(event, ['name', 'email', 'phone'], writing!.key);
    const read = revealPersonalData(registry, vault);
    expect(read(stored).data).toEqual(event.data);
    expect(read(stored).data).toBe(read(stored).data); // opened once, remembered
    await vault.forget(subject, '2026-11-21T11:00:00.000Z', 'key-admin');
    expect(read(stored).data).toEqual({ name: '[erased]', email: '[erased]', status: 'active' });
  });
});
