import type { EventEnvelope } from './envelope';
import type { ContractRegistry } from './registry';

/**
 * An event read as the latest version of its contract. History is never
 * rewritten: the stored form (which the hash covers) stays as it was, readers
 * see the shape they were written against.
 */
export function upcastEvent<TEvent extends EventEnvelope>(registry: ContractRegistry, event: TEvent): TEvent {
  const latest = registry.upcast(event.type, event.schemaVersion, event.data as Record<string, unknown>);
  if (latest.schemaVersion === event.schemaVersion) return event;
  return { ...event, schemaVersion: latest.schemaVersion, data: latest.data };
}
