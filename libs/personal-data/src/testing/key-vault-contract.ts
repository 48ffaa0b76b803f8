import type { KeyVault } from '../key-vault.port';

export interface KeyVaultUnderTest {
  readonly vault: KeyVault;
  /** Another vault on the same storage (a second process: CLI, another hub), when the adapter has one. */
  readonly other?: () => Promise<KeyVault>;
  /** Closes and reopens the same storage (a restart). */
  readonly reopen: () => Promise<KeyVault>;
  readonly teardown: () => Promise<void>;
}

const alice = { type: 'customer', id: 'C-1' };
const bob = { type: 'customer', id: 'C-2' };
const AT = '2026-11-21T10:00:00.000Z';

/** The behaviour every KeyVault adapter must show; each adapter's spec calls this once. */
export function describeKeyVaultContract(adapter: string, create: () => Promise<KeyVaultUnderTest>): void {
  describe(`KeyVault contract: ${adapter}`, () => {
    let subject: KeyVaultUnderTest;
    let vault: KeyVault;

    beforeEach(async () => {
      subject = await create();
      vault = subject.vault;
    });

    afterEach(() => subject.teardown());

    it('gives each subject one key of generation 1, the same on every call, distinct between subjects', async () => {
      const [a1, b1, a2] = await vault.keysForWriting([alice, bob, alice]);
      expect(a1!.key.generation).toBe(1);
      expect(a1!.forgottenBefore).toBe(false);
      expect(a2!.key.encryption.equals(a1!.key.encryption)).toBe(true);
      expect(b1!.key.encryption.equals(a1!.key.encryption)).toBe(false);
      const [again] = await vault.keysForWriting([alice]);
      expect(again!.key.encryption.equals(a1!.key.encryption)).toBe(true);
    });

    it('keeps keys across a restart (a key is stored before anything is sealed with it)', async () => {
      const [written] = await vault.keysForWriting([alice]);
      vault = await subject.reopen();
      expect(vault.readKey(alice, 1)?.encryption.equals(written!.key.encryption)).toBe(true);
    });

    it('reads nothing for a subject or a generation it never had', async () => {
      await vault.keysForWriting([alice]);
      expect(vault.readKey(bob, 1)).toBeUndefined();
      expect(vault.readKey(alice, 2)).toBeUndefined();
    });

    it('forgetting destroys the key: it cannot be read, not even after a restart', async () => {
      await vault.keysForWriting([alice, bob]);
      expect(vault.readKey(alice, 1)).toBeDefined();
      const outcome = await vault.forget(alice, AT, 'key-admin');
      expect(outcome).toEqual({ status: 'forgotten', erasure: 1, at: AT, by: 'key-admin', generations: 1 });
      expect(vault.readKey(alice, 1)).toBeUndefined();
      expect(vault.readKey(bob, 1)).toBeDefined();
      vault = await subject.reopen();
      expect(vault.readKey(alice, 1)).toBeUndefined();
    });

    it('a second forget says already forgotten and names the first erasure', async () => {
      await vault.keysForWriting([alice]);
      await vault.forget(alice, AT, 'key-admin');
      expect(await vault.forget(alice, '2026-11-22T00:00:00.000Z', 'key-other')).toEqual({
        status: 'already-forgotten',
        erasure: 1,
        at: AT,
        by: 'key-admin',
        generations: 1,
      });
      expect(await vault.lastErasure(alice)).toEqual({ erasure: 1, at: AT, by: 'key-admin', generations: 1 });
    });

    it('forgetting a subject it never held a key for is unknown and changes nothing', async () => {
      expect(await vault.forget(bob, AT, 'key-admin')).toEqual({ status: 'unknown' });
      expect(await vault.lastErasure(bob)).toBeUndefined();
      const [key] = await vault.keysForWriting([bob]);
      expect(key!.key.generation).toBe(1);
    });

    it('new personal data after an erasure gets a new generation; the old one stays destroyed', async () => {
      const [first] = await vault.keysForWriting([alice]);
      await vault.forget(alice, AT, 'key-admin');
      const [second] = await vault.keysForWriting([alice]);
      expect(second!.key.generation).toBe(2);
      expect(second!.forgottenBefore).toBe(true);
      expect(second!.key.encryption.equals(first!.key.encryption)).toBe(false);
      expect(vault.readKey(alice, 1)).toBeUndefined();
      expect(vault.readKey(alice, 2)).toBeDefined();
      const again = await vault.forget(alice, '2026-11-23T00:00:00.000Z', 'key-admin');
      expect(again).toMatchObject({ status: 'forgotten', erasure: 2, generations: 1 });
      expect(vault.readKey(alice, 2)).toBeUndefined();
    });

    it('a forget made through another instance is seen at once, even by one that had the key cached', async () => {
      if (!subject.other) return;
      await vault.keysForWriting([alice]);
      expect(vault.readKey(alice, 1)).toBeDefined();
      const elsewhere = await subject.other();
      try {
        await elsewhere.forget(alice, AT, 'key-admin');
      } finally {
        await elsewhere.close();
      }
      expect(vault.readKey(alice, 1)).toBeUndefined();
      const [fresh] = await vault.keysForWriting([alice]);
      expect(fresh!.key.generation).toBe(2);
    });
  });
}
