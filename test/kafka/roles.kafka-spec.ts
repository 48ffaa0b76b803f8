/**
 * Issue 8, "Roles": the hub split into processes as an operator would run it on one machine, against
 * the real broker and PostgreSQL read models. Two `ingest` processes share one Kafka consumer group and
 * one SQLite data directory (no KurrentDB server exists here; the SQLite writer takes the file's write
 * lock and re-reads the head inside it, see libs/event-store/src/sqlite/log-writer.ts); two `project`
 * processes (active and standby, by lease) keep the PostgreSQL read models; one `api` process serves
 * reads. Mid-load one ingest process is SIGKILLed: its partitions go to the other once the group drops
 * it, and every produced event id is stored exactly once. Then the active projector is SIGKILLed: the
 * standby takes over within the lease time and the read model equals a rebuild from the log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dropPostgresSchema, postgresTestUrl } from '@concord/projections/testing';
import { authHeader } from '../e2e/support/auth';
import { ENTITY_VIEW } from '../../apps/hub/src/entities/entity-view.projection';
import { rebuildEntityView } from '../scale/support/entity-view-rebuild';
import { eventually, startHubProcess, type HubProcess } from '../scale/support/hub-process';
import { BROKER_SETUP_MS, createTopics, envelopeMessage, hubKafkaEnv, kafkaDescribe, openBroker, uniqueTopics, type BrokerHandle } from './support/kafka-suite';

// test:kafka does not set CONCORD_POSTGRES_URL; the local trust-auth server is the one .ci/run uses.
const url = postgresTestUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = 6000;
const SUBJECTS = 300;
const PER_SEND = 200;
const LEASE_MS = 2000;
/** A standby notices a lapsed lease within a third of the lease; the rest is process scheduling on a shared 2-core machine. */
const TAKEOVER_BOUND_MS = Math.round(LEASE_MS + LEASE_MS / 3 + 1500);

interface ProjectionView {
  name: string;
  checkpoint: number;
  headPosition: number;
  lagEvents: number;
  projector: { instance: string | null };
}

/** Kafka messages this process made durable (concord_kafka_messages_total, every outcome). */
async function durableMessages(hub: HubProcess): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`, { headers: authHeader() })).text();
  return [...text.matchAll(/^concord_kafka_messages_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

function envelope(n: number): Record<string, unknown> {
  return {
    id: `roles-${n}`,
    source: 'erp',
    type: 'order.status-changed',
    subject: { type: 'order', id: `SO-R${n % SUBJECTS}` },
    occurredAt: '2026-11-21T09:00:00Z',
    data: { status: `S${n}` },
  };
}

kafkaDescribe('Roles across processes')('Roles: two ingest processes, an active and a standby projector and an API process (real broker, PostgreSQL)', () => {
  let kafka: BrokerHandle;
  const schema = `concord_roles_${randomBytes(6).toString('hex')}`;
  const rebuiltSchema = `${schema}_rebuilt`;
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-roles-'));
  const processes: HubProcess[] = [];

  beforeAll(async () => {
    kafka = await openBroker();
  }, BROKER_SETUP_MS);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await kafka?.stop();
    await dropPostgresSchema(url, schema);
    await dropPostgresSchema(url, rebuiltSchema);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it(`stores each of ${EVENTS} events once through an ingest SIGKILL, and hands the projection over within the lease time`, async () => {
    const names = uniqueTopics('roles');
    await createTopics(kafka.admin, [{ topic: names.ingest, partitions: 6 }]);
    const common = {
      ...hubKafkaEnv(kafka.brokers, names, { CONCORD_KAFKA_OUTBOUND_TOPIC: 'off' }),
      CONCORD_DATA_DIR: dataDir,
      CONCORD_READ_MODELS: 'postgres',
      CONCORD_POSTGRES_URL: url,
      CONCORD_POSTGRES_SCHEMA: schema,
      CONCORD_PROJECTION_LEASE_MS: String(LEASE_MS),
      CONCORD_SQLITE_SYNCHRONOUS: 'NORMAL',
    };
    const start = async (name: string, roles: string) => {
      const hub = await startHubProcess(name, { ...common, CONCORD_ROLES: roles, CONCORD_INSTANCE_ID: name });
      processes.push(hub);
      return hub;
    };
    // One at a time: the first creates the log's and the read models' schemas, the others find them.
    const api = await start('api', 'api');
    const [ingest1, ingest2, p1, p2] = await Promise.all([start('ingest1', 'ingest'), start('ingest2', 'ingest'), start('p1', 'project'), start('p2', 'project')]);
    for (const ingest of [ingest1, ingest2]) {
      await eventually(`${ingest.name} joined the consumer group`, async () => ((await ingest.get('/health/ready')).status === 200 ? true : undefined), 60_000, 200);
    }
    const entityView = async () => (await api.get<{ projections: ProjectionView[] }>('/v1/projections')).body.projections.find((p) => p.name === ENTITY_VIEW)!;
    const head = async () => (await entityView()).headPosition;

    // Load, as a connector sends it, runs in the background through the kill.
    const load = (async () => {
      for (let sent = 0; sent < EVENTS; sent += PER_SEND) {
        await kafka.producer.send({ topic: names.ingest, messages: Array.from({ length: PER_SEND }, (_, k) => envelopeMessage(envelope(sent + k))) });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    load.catch(() => undefined); // awaited below

    // A quarter of the load is stored, both members having made some of it durable, before one is killed.
    await eventually('a quarter of the load stored by both ingest processes', async () => {
      const [first, second] = await Promise.all([durableMessages(ingest1), durableMessages(ingest2)]);
      return (await head()) >= EVENTS / 4 && first > 0 && second > 0 ? true : undefined;
    }, 60_000, 100);
    ingest1.signal('SIGKILL');
    const killedAtHead = await head();
    expect(killedAtHead).toBeLessThan(EVENTS);
    await load;

    // The survivor takes the dead member's partitions once the group drops it (kafkajs session timeout, 30 s).
    await eventually('every event in the log', async () => ((await head()) >= EVENTS ? true : undefined), 90_000, 250);

    // Kill the active projector: the standby takes over once its lease lapses.
    const active = (await eventually('one projector holds the lease', async () => (await entityView()).projector.instance ?? undefined)) === 'p1' ? p1 : p2;
    const standby = active === p1 ? p2 : p1;
    const killedAt = Date.now();
    active.signal('SIGKILL');
    await eventually(`${standby.name} takes over`, async () => ((await entityView()).projector.instance === standby.name ? true : undefined), 20_000, 25);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    await eventually('the read model catches up', async () => {
      const view = await entityView();
      return view.checkpoint === EVENTS && view.lagEvents === 0 ? true : undefined;
    }, 60_000, 100);
    expect(await head()).toBe(EVENTS);

    // Every produced id stored exactly once; redeliveries after the kill were recognised as duplicates.
    const db = new Database(join(dataDir, 'events.db'), { readonly: true });
    let redelivered: number;
    try {
      const ids = db.prepare('SELECT event_id FROM events ORDER BY position').pluck().all() as string[];
      expect(ids).toHaveLength(EVENTS);
      expect(new Set(ids)).toEqual(new Set(Array.from({ length: EVENTS }, (_, n) => `roles-${n}`)));
      const positions = db.prepare('SELECT position FROM events ORDER BY position').pluck().all() as number[];
      expect(positions).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
      redelivered = db.prepare('SELECT count(DISTINCT event_id) FROM event_receipts').pluck().get() as number;
    } finally {
      db.close();
    }

    const compared = await rebuildEntityView(url, schema, rebuiltSchema, dataDir);
    expect(compared.leaseToken).toBe(2); // the first projector, then its standby
    expect(compared.rebuiltTo).toBe(EVENTS);
    expect(Object.keys(compared.live)).toHaveLength(SUBJECTS);
    expect(compared.live).toEqual(compared.rebuilt);
    expect(compared.countedEvents).toBe(EVENTS); // nothing applied twice, nothing skipped
    console.info(
      `roles: ${EVENTS} events over 2 ingest processes, one SIGKILLed at head ${killedAtHead} (${redelivered} ids redelivered, stored once); ` +
        `projector takeover after SIGKILL ${takeoverMs} ms (lease ${LEASE_MS} ms, bound ${TAKEOVER_BOUND_MS} ms); shared 2-core machine`,
    );
  }, 240_000);
});
