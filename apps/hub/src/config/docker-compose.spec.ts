import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from './concord-config';

/**
 * docker-compose.yml cannot be run here (no Docker engine, and the docker client
 * on these machines has no compose plugin for `docker compose config -q`). So
 * this checks it twice without containers: dclint validates it against the
 * Compose specification's JSON schema (plus best-practice rules), and the checks
 * below validate what the schema cannot know: the start order, the health
 * checks the order waits for, and that every hub service's environment passes
 * the hub's own configuration validation, with the names the tests use.
 */
const ROOT = resolve(__dirname, '../../../..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
}

interface ComposeFile {
  services: Record<string, Service>;
}

/** Compose's `${NAME:-default}` interpolation, with an empty environment. */
function interpolate(text: string): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_, _name: string, fallback?: string) => fallback ?? '');
}

function readCompose(text = readFileSync(COMPOSE_FILE, 'utf8')): ComposeFile {
  return parse(interpolate(text), { merge: true }) as ComposeFile;
}

const isHub = (service: Service): boolean => service.environment?.CONCORD_ROLES !== undefined;

/** Everything wrong with the file that the schema cannot see; empty when it would come up in order. */
function composeProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const services = compose.services;
  for (const [name, service] of Object.entries(services)) {
    if (!service.image && !service.build) problems.push(`${name}: neither image nor build`);
    if (service.image && !/:[\w.-]+$/.test(service.image)) problems.push(`${name}: image ${service.image} has no pinned tag`);
    for (const [dependency, { condition } = {}] of Object.entries(service.depends_on ?? {})) {
      const target = services[dependency];
      if (!target) problems.push(`${name}: depends on ${dependency}, which is not a service`);
      else if (condition !== 'service_healthy') problems.push(`${name}: waits for ${dependency} without condition service_healthy`);
      else if (!target.healthcheck?.test) problems.push(`${name}: waits for ${dependency} to be healthy, but it has no health check`);
      if (target?.profiles && !service.profiles) problems.push(`${name}: depends on ${dependency}, which only runs in a profile`);
    }
    if (isHub(service)) {
      if (!service.healthcheck?.test) problems.push(`${name}: hub service without health check`);
      try {
        loadConfig(service.environment);
      } catch (error) {
        problems.push(`${name}: the hub refuses its environment: ${(error as Error).message}`);
      }
    }
  }
  problems.push(...cycles(services));
  return problems;
}

function cycles(services: Record<string, Service>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const found: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      found.push(`dependency cycle: ${[...path, name].join(' -> ')}`);
      return;
    }
    state.set(name, 'visiting');
    for (const dependency of Object.keys(services[name]?.depends_on ?? {})) visit(dependency, [...path, name]);
    state.set(name, 'done');
  };
  Object.keys(services).forEach((name) => visit(name, []));
  return found;
}

function dclint(file: string): { errorCount: number; messages: Array<{ message: string }> } {
  const bin = join(dirname(require.resolve('dclint/package.json')), 'bin', 'dclint.cjs');
  let output: string;
  try {
    output = execFileSync(process.execPath, [bin, file, '-f', 'json', '-c', join(ROOT, '.dclintrc.yml')], { cwd: ROOT, encoding: 'utf8' });
  } catch (error) {
    output = (error as { stdout: string }).stdout;
  }
  return (JSON.parse(output) as Array<{ errorCount: number; messages: Array<{ message: string }> }>)[0]!;
}

describe('docker-compose.yml', () => {
  const compose = readCompose();
  const hubs = Object.entries(compose.services).filter(([, service]) => isHub(service));

  it('is valid against the Compose specification and dclint\'s rules', () => {
    const report = dclint(COMPOSE_FILE);
    expect(report.messages).toEqual([]);
    expect(report.errorCount).toBe(0);
  });

  it('comes up in order: every dependency exists, is healthy first, and nothing waits in a circle', () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it('runs Kafka 3.9.1 in KRaft mode on one node, KurrentDB and PostgreSQL', () => {
    const kafka = compose.services.kafka!;
    expect(kafka.image).toBe('apache/kafka:3.9.1');
    expect(kafka.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_NODE_ID: '1' });
    expect(kafka.environment!.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@kafka:\d+$/);
    expect(compose.services.kurrentdb!.image).toMatch(/kurrentdb:\d/);
    expect(compose.services.postgres!.image).toMatch(/^postgres:\d/);
  });

  it('splits the hub into two ingest instances, one projector and one API, all on KurrentDB and the same Kafka', () => {
    const roles = hubs.map(([, service]) => service.environment!.CONCORD_ROLES).sort();
    expect(roles).toEqual(['api', 'ingest', 'ingest', 'project']);
    for (const [, service] of hubs) {
      expect(service.environment).toMatchObject({ CONCORD_EVENT_STORE: 'kurrentdb', KAFKA_BROKERS: 'kafka:9092' });
      expect(loadConfig(service.environment).CONCORD_KURRENTDB_URL).toBe('esdb://kurrentdb:2113?tls=false');
    }
  });

  it('keeps the connector simulator behind the sim profile', () => {
    const sim = compose.services['connector-sim']!;
    expect(sim.profiles).toEqual(['sim']);
    expect(JSON.stringify(sim)).toContain('sim:connectors');
  });

  describe('the checks themselves fail on a broken file', () => {
    const broken = (change: (file: ComposeFile) => void): string[] => {
      const copy = structuredClone(compose);
      change(copy);
      return composeProblems(copy);
    };

    it('names a dependency on a missing service, one without a health check, and a cycle', () => {
      expect(broken((f) => (f.services.api!.depends_on = { redis: { condition: 'service_healthy' } }))).toEqual([
        'api: depends on redis, which is not a service',
      ]);
      expect(broken((f) => delete f.services.postgres!.healthcheck)).toContain(
        'projector: waits for postgres to be healthy, but it has no health check',
      );
      expect(broken((f) => (f.services.kafka!.depends_on = { 'ingest-1': { condition: 'service_healthy' } }))).toContainEqual(
        expect.stringMatching(/^dependency cycle: /),
      );
    });

    it('names a hub environment the hub would refuse to start with', () => {
      const problems = broken((f) => {
        f.services.api!.environment!.CONCORD_KURRENTDB_URL = 'http://kurrentdb:2113';
        f.services.projector!.environment!.CONCORD_EVENT_STOR = 'kurrentdb';
      });
      expect(problems).toEqual([
        expect.stringMatching(/^projector: the hub refuses its environment: .*CONCORD_EVENT_STOR is not a Concord setting/s),
        expect.stringMatching(/^api: the hub refuses its environment: .*CONCORD_KURRENTDB_URL must be an esdb:\/\//s),
      ]);
    });

    it('dclint reports a key the Compose specification does not have', () => {
      const dir = mkdtempSync(join(tmpdir(), 'concord-compose-'));
      try {
        const copy = structuredClone(compose) as ComposeFile & { services: Record<string, Record<string, unknown>> };
        copy.services.api!.healthchek = { test: ['CMD', 'true'] };
        const file = join(dir, 'docker-compose.yml');
        writeFileSync(file, stringify(copy));
        expect(dclint(file).errorCount).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
