import { streamNameOf, type ContractRegistry, type EventEnvelope } from '@concord/contracts';
import type { EventStore } from '@concord/event-store';
import { parseSealed, personalPathsOf, sealEnvelope, valueAt, withValueAt, type KeyVault } from '@concord/personal-data';

/**
 * The write side of crypto-shredding, run on validated events before they are
 * appended: personal fields are sealed with the subject's key, so the log, and
 * the hash that covers it, only ever hold ciphertext. Events of contracts
 * without personal fields pass untouched (same object, no key lookup).
 */
export async function sealPersonalData(
  registry: ContractRegistry,
  vault: KeyVault,
  store: Pick<EventStore, 'getEvent'>,
  envelopes: readonly EventEnvelope[],
): Promise<EventEnvelope[]> {
  const personal: number[] = [];
  envelopes.forEach((envelope, i) => {
    const paths = personalPathsOf(registry, envelope);
    if (paths.some((path) => valueAt(envelope.data, path).found)) personal.push(i);
  });
  if (personal.length === 0) return [...envelopes];
  const keys = await vault.keysForWriting(personal.map((i) => envelopes[i]!.subject));
  const out = [...envelopes];
  for (const [n, i] of personal.entries()) {
    const envelope = envelopes[i]!;
    const { key, forgottenBefore } = keys[n]!;
    const paths = personalPathsOf(registry, envelope);
    const sealed = sealEnvelope(envelope, paths, key);
    out[i] = forgottenBefore ? await asStoredUnderDestroyedKey(sealed, envelope, paths, vault, store) : sealed;
  }
  return out;
}

/**
 * A redelivery of an event stored before its subject was forgotten: its
 * personal fields were sealed under a key that no longer exists, so they can
 * be neither re-created nor compared. The stored ciphertext is carried over
 * for them, and the log's content comparison decides on everything else:
 * `duplicate` when the rest is the same (no second copy, and the erased values
 * do not come back), `id-reused-with-different-content` otherwise.
 */
async function asStoredUnderDestroyedKey(
  sealed: EventEnvelope,
  plain: EventEnvelope,
  paths: readonly string[],
  vault: KeyVault,
  store: Pick<EventStore, 'getEvent'>,
): Promise<EventEnvelope> {
  const stored = await store.getEvent(plain.id);
  if (!stored || stored.stream !== streamNameOf(plain.subject)) return sealed;
  let data = sealed.data;
  for (const path of paths) {
    if (!valueAt(plain.data, path).found) continue;
    const was = valueAt(stored.data, path);
    const seal = was.found ? parseSealed(was.value) : undefined;
    if (seal && !vault.readKey(plain.subject, seal.generation)) data = withValueAt(data, path, was.found ? was.value : undefined);
  }
  return data === sealed.data ? sealed : { ...sealed, data };
}
