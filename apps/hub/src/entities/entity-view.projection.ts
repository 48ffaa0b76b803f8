import { HUB_SOURCE, type ContractRegistry } from '@concord/contracts';
import type { ProjectionDefinition } from '@concord/projections';
import { entityKey, eraseFromEntityView, evolveEntityView, isErasure, reportStyleFrom, type EntityView } from './entity-view';

export const ENTITY_VIEW = 'entity-view';
export const ENTITIES = 'entities';

/** Current state per business entity (every subject reported by a source system), one document each. */
export function entityViewProjection(registry: ContractRegistry): ProjectionDefinition {
  const reportStyle = reportStyleFrom(registry);
  return {
    name: ENTITY_VIEW,
    version: 1,
    collections: [ENTITIES],
    keysOf: (event) => [{ collection: ENTITIES, key: entityKey(event.subject) }],
    async apply(event, view) {
      const key = entityKey(event.subject);
      if (isErasure(event)) {
        const current = await view.get<EntityView & Record<string, unknown>>(ENTITIES, key);
        if (current) view.put(ENTITIES, key, eraseFromEntityView(current, event) as unknown as Record<string, unknown>);
        return;
      }
      if (event.source === HUB_SOURCE) return; // the hub's own facts are not a business system's view
      const current = await view.get<EntityView & Record<string, unknown>>(ENTITIES, key);
      view.put(ENTITIES, key, evolveEntityView(current, event, reportStyle) as unknown as Record<string, unknown>);
    },
  };
}
