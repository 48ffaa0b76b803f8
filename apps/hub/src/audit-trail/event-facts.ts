import type { StoredEvent, Transport } from '@concord/event-store';

/** The API key (or other credential id) a delivery came with; null for the hub's own appends and unauthenticated deliveries. */
export function credentialOf(transport: Transport): string | null {
  return 'credential' in transport && transport.credential !== undefined ? transport.credential : null;
}

/** Why, in the source's words: `data.reason` when the contract carries one (order.status-changed does). */
export function reasonOf(event: StoredEvent): string | null {
  const reason = (event.data as Record<string, unknown>).reason;
  return typeof reason === 'string' ? reason : null;
}
