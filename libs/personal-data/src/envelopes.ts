import type { ContractRegistry, EventEnvelope } from '@concord/contracts';
import type { KeyVault } from './key-vault.port';
import { revealPersonalFields, sealPersonalFields, type DataKey } from './personal-fields';

/** The personal paths of an event's own contract version (stored data is sealed and read by the version it was written in). */
export function personalPathsOf(registry: ContractRegistry, event: Pick<EventEnvelope, 'type' | 'schemaVersion'>): readonly string[] {
  return registry.get(event.type, event.schemaVersion)?.personalFields ?? [];
}

/** Every personal path any contract version declares for a subject type: what an erasure removes from read models. */
export function personalPathsForSubjectType(registry: ContractRegistry, subjectType: string): string[] {
  const paths = new Set<string>();
  for (const contract of registry.all()) if (contract.subjectType === subjectType) for (const path of contract.personalFields ?? []) paths.add(path);
  return [...paths].sort();
}

export function sealEnvelope<TEvent extends EventEnvelope>(event: TEvent, paths: readonly string[], key: DataKey): TEvent {
  const data = sealPersonalFields(event.data, paths, key, event.id);
  return data === event.data ? event : { ...event, data };
}

/** How many opened events one reader keeps, so that several projections reading the same event open it once. */
const REMEMBERED_EVENTS = 4096;

/**
 * The read side of personal data, the one place it is opened: a stored event
 * with its sealed fields opened, or `"[erased]"` where the subject was
 * forgotten. Events without personal fields come back as they are (same object).
 * The projections share one reader and follow the log close together, so the
 * last events opened are remembered (by id), until any key is destroyed.
 */
export function revealPersonalData(registry: ContractRegistry, vault: Pick<KeyVault, 'readKey' | 'revision'>): <TEvent extends EventEnvelope>(event: TEvent) => TEvent {
  const opened = new Map<string, Record<string, unknown>>();
  let revision = vault.revision();
  return (event) => {
    const paths = personalPathsOf(registry, event);
    if (paths.length === 0) return event;
    const now = vault.revision();
    if (now !== revision) {
      opened.clear();
      revision = now;
    }
    let data = opened.get(event.id);
    if (!data) {
      data = revealPersonalFields(event.data, paths, (generation) => vault.readKey(event.subject, generation), event.id);
      opened.set(event.id, data);
      if (opened.size > REMEMBERED_EVENTS) opened.delete(opened.keys().next().value!);
    }
    return data === event.data ? event : { ...event, data };
  };
}
