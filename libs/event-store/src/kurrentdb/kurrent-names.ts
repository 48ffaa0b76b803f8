const NAMESPACE = /^[a-z0-9_]{1,64}$/;

/**
 * Where Concord keeps what in KurrentDB.
 *
 * - A Concord stream `order-SO-1` is the KurrentDB stream `order-SO-1` (or
 *   `<namespace>.order-SO-1`), holding only Concord events, so KurrentDB stream
 *   revisions are Concord revisions and `$ce-order` category projections work.
 * - The hub's own bookkeeping lives in system streams (`$` prefix), which no
 *   Concord stream name can start with (subject types start with a letter):
 *   `$concord-id-<eventId>` (the id claim), `$concord-receipts-<eventId>`
 *   (later deliveries of a stored event), `$concord-heartbeat` (health checks).
 *
 * A namespace lets several hubs (or test runs) share one database without
 * seeing each other: a namespaced stream's part before the first hyphen
 * contains a dot, which no subject type may contain, so namespaced and plain
 * names never collide.
 */
export class KurrentNames {
  private readonly streamPrefix: string;
  private readonly systemRoot: string;

  constructor(readonly namespace = '') {
    if (namespace !== '' && !NAMESPACE.test(namespace)) {
      throw new TypeError(`a KurrentDB namespace must match ${NAMESPACE}; got ${JSON.stringify(namespace)}`);
    }
    this.streamPrefix = namespace === '' ? '' : `${namespace}.`;
    this.systemRoot = namespace === '' ? '$concord' : `$concord.${namespace}`;
  }

  stream(concordStream: string): string {
    return this.streamPrefix + concordStream;
  }

  /** The Concord stream name of a KurrentDB stream, or undefined when it is not one of this hub's streams. */
  concordStream(kurrentStream: string): string | undefined {
    if (kurrentStream.startsWith('$')) return undefined;
    if (this.streamPrefix === '') return kurrentStream.split('-', 1)[0]!.includes('.') ? undefined : kurrentStream;
    return kurrentStream.startsWith(this.streamPrefix) ? kurrentStream.slice(this.streamPrefix.length) : undefined;
  }

  idClaim(eventId: string): string {
    return `${this.systemRoot}-id-${eventId}`;
  }

  receipts(eventId: string): string {
    return `${this.systemRoot}-receipts-${eventId}`;
  }

  heartbeat(): string {
    return `${this.systemRoot}-heartbeat`;
  }
}
