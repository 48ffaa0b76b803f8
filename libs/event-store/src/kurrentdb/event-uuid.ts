import { createHash } from 'node:crypto';

/**
 * The namespace under which Concord derives KurrentDB event ids. Fixed forever:
 * changing it would give every stored event a new UUID and break retries of
 * events stored before the change.
 */
export const CONCORD_UUID_NAMESPACE = '8f93736a-8d46-41ef-ad0c-84b54e901126';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A name-based UUID (RFC 9562 version 5: SHA-1 of namespace ‖ name, version and
 * variant bits set). The same name always gives the same UUID, so a retried
 * append carries the same KurrentDB event id and the server's own idempotency
 * check (reliable when an expected revision is given) recognises it.
 */
export function uuidV5(name: string, namespace: string): string {
  if (!UUID.test(namespace)) throw new TypeError(`not a UUID namespace: ${namespace}`);
  const digest = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The KurrentDB event id of a Concord event. Concord ids are up to 200
 * arbitrary printable characters; KurrentDB wants a UUID. The Concord id itself
 * is kept in the event's metadata and stays authoritative: a UUID collision can
 * never make two different Concord ids count as one event.
 */
export function eventUuidOf(concordId: string, namespace = ''): string {
  return uuidV5(namespace === '' ? concordId : `${namespace}\u0000${concordId}`, CONCORD_UUID_NAMESPACE);
}
