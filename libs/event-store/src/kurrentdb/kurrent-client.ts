import { EventStoreDBClient } from '@eventstore/db-client';

/**
 * Exactly the part of `@eventstore/db-client`'s `EventStoreDBClient` the adapter
 * uses. Tests substitute a fake at this boundary; production passes the real
 * client, so the types (and the errors it throws) are the client's own.
 */
export type KurrentClient = Pick<
  EventStoreDBClient,
  'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'setStreamMetadata' | 'dispose'
>;

/** `esdb://host:2113?tls=false` or `esdb+discover://…` (client v6 connection strings). */
export function connectKurrentDb(connectionString: string): KurrentClient {
  return EventStoreDBClient.connectionString(connectionString);
}

export const KURRENTDB_URL_PATTERN = /^esdb(\+discover)?:\/\/\S+$/;

/** A connection string fit for logs: credentials (`esdb://user:password@…`) masked. */
export function redactKurrentUrl(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/, '//***@');
}
