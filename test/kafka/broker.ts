/**
 * Test harness: a real single-node Apache Kafka broker (KRaft, combined
 * broker+controller) on 127.0.0.1, run from jars that Maven resolves from
 * test/kafka/pom.xml. There is no Docker on the project's machines, but Java and
 * Maven are, so this is the cheapest way to test against a real broker.
 *
 * Typical use in a jest spec:
 *
 *   const broker = await startKafkaBroker();   // beforeAll, allow ~2 min
 *   new Kafka({ brokers: broker.brokers });
 *   await broker.restart();                     // same ports, same data
 *   await broker.stop();                        // afterAll
 *
 * Set KAFKA_BROKERS=host:port[,host:port] to run against an external broker
 * instead; see kafkaBrokersFromEnv() and README.md.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface KafkaBroker {
  /** Bootstrap addresses for kafkajs, e.g. ['127.0.0.1:40123']. */
  brokers: string[];
  /** SIGTERM, wait for a clean shutdown, SIGKILL if it takes too long. */
  stop(): Promise<void>;
  /** stop() then start(); the ports and data survive. */
  restart(): Promise<void>;
  /** SIGKILL at once, for fault tests (unclean shutdown, no flush). */
  kill(): void;
  /** Start again after stop() or kill(); a no-op while running. */
  start(): Promise<void>;
}

export interface StartKafkaBrokerOptions {
  /**
   * Directory for this broker's files: server.properties, server.log and the
   * Kafka data (log.dirs) under data/; kept afterwards. Defaults to a fresh
   * temp directory, removed after the Node process exits unless
   * KAFKA_KEEP_RUN_DIR=1.
   */
  logDir?: string;
}

const KAFKA_VERSION = '3.9.1';
const HARNESS_DIR = __dirname;
const POM_FILE = path.join(HARNESS_DIR, 'pom.xml');
const LOG4J_FILE = path.join(HARNESS_DIR, 'log4j.properties');
const JAR_DIR = path.join(HARNESS_DIR, '.jars');
/** Written last into JAR_DIR, so its presence means the copy completed. */
const JAR_STAMP = '.pom-sha256';
const LOCK_FILE = path.join(HARNESS_DIR, '.jars.lock');

const READY_LINE = 'Kafka Server started';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const MVN_TIMEOUT_MS = 10 * 60_000;
const FORMAT_TIMEOUT_MS = 60_000;
/** A port picked free may be taken before Kafka binds it; retry a few times. */
const BIND_ATTEMPTS = 3;
/** How much of the broker's stdout/stderr to keep for error messages. */
const OUTPUT_TAIL_CHARS = 8_000;

// ---------------------------------------------------------------------------
// Tooling and jars
// ---------------------------------------------------------------------------

/** Absolute path of an executable found on PATH, or undefined. */
function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

/** True when `java` and `mvn` are on PATH, i.e. startKafkaBroker() can work. */
export function kafkaToolingAvailable(): boolean {
  return findOnPath('java') !== undefined && findOnPath('mvn') !== undefined;
}

/**
 * Bootstrap servers from KAFKA_BROKERS (comma-separated), or undefined when
 * unset, so a spec can use an external broker instead of starting one.
 */
export function kafkaBrokersFromEnv(): string[] | undefined {
  const raw = process.env.KAFKA_BROKERS?.trim();
  if (!raw) return undefined;
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b !== '');
  return brokers.length > 0 ? brokers : undefined;
}

function pomDigest(): string {
  return createHash('sha256').update(fs.readFileSync(POM_FILE)).digest('hex');
}

/** The jar dir is usable when it was filled from the current pom.xml. */
function jarsAreCurrent(digest: string): boolean {
  try {
    return fs.readFileSync(path.join(JAR_DIR, JAR_STAMP), 'utf8').trim() === digest;
  } catch {
    return false;
  }
}

function requireTool(command: string, why: string): void {
  if (findOnPath(command) === undefined) {
    throw new Error(
      `Kafka test broker: '${command}' is not on PATH (${why}). ` +
        'Install a JDK 17+ and Maven 3.8+, or set KAFKA_BROKERS to use an external broker.',
    );
  }
}

let jarsPromise: Promise<string> | undefined;

/**
 * Returns the directory holding the broker's jars, running Maven once to fill
 * it when it is missing or was made from a different pom.xml. Throws a clear
 * error if java (or, when a download is needed, mvn) is not on PATH. Safe to call
 * from several jest workers at once: a lock file serialises the download and
 * the directory only appears, by rename, once complete.
 */
export function ensureKafkaJars(): Promise<string> {
  // One download per process even when many specs call this concurrently.
  jarsPromise ??= fetchJarsIfNeeded().catch((err: unknown) => {
    jarsPromise = undefined; // Let a later call retry.
    throw err;
  });
  return jarsPromise;
}

async function fetchJarsIfNeeded(): Promise<string> {
  // The jars are useless without a JVM; Maven is only needed to fetch them.
  requireTool('java', 'needed to run the broker');
  const digest = pomDigest();
  if (jarsAreCurrent(digest)) return JAR_DIR;
  requireTool('mvn', `needed once to download the Kafka ${KAFKA_VERSION} jars`);
  return withLock(LOCK_FILE, async () => {
    // Another process may have finished the download while we waited.
    if (!jarsAreCurrent(digest)) await downloadJars(digest);
    return JAR_DIR;
  });
}

async function downloadJars(digest: string): Promise<void> {
  const staging = `${JAR_DIR}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const result = await runProcess(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      POM_FILE,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${staging}`,
    ],
    { cwd: HARNESS_DIR, timeoutMs: MVN_TIMEOUT_MS },
  );
  if (result.code !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `Kafka test broker: 'mvn dependency:copy-dependencies' failed (exit ${String(result.code)}):\n` +
        result.output,
    );
  }
  fs.writeFileSync(path.join(staging, JAR_STAMP), `${digest}\n`);
  // Swap in the complete directory so no reader ever sees a partial one.
  const old = `${JAR_DIR}.old-${process.pid}`;
  if (fs.existsSync(JAR_DIR)) fs.renameSync(JAR_DIR, old);
  fs.renameSync(staging, JAR_DIR);
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Runs fn while holding an exclusive lock file. A lock left by a dead process
 * (crashed test run) is taken over rather than waited on forever.
 */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + MVN_TIMEOUT_MS;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (lockHolderIsDead(lockFile)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Kafka test broker: timed out waiting for ${lockFile}`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function lockHolderIsDead(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
  } catch {
    return false; // Vanished or being written: just retry.
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0); // Signal 0 only checks that the process exists.
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// ---------------------------------------------------------------------------
// Small process and network helpers
// ---------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves true if `promise` settles within `ms`, else false. The timer is
 * cleared either way so it cannot keep jest waiting after the tests.
 */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface ProcessResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, capturing (the tail of) its combined output. */
function runProcess(
  command: string,
  args: string[],
  opts: { cwd: string; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = new OutputTail(OUTPUT_TAIL_CHARS);
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.text() });
    });
  });
}

/** Keeps only the last `limit` characters of a stream, for error messages. */
class OutputTail {
  private buffer = '';
  constructor(private readonly limit: number) {}
  push(chunk: Buffer | string): void {
    this.buffer += chunk.toString();
    if (this.buffer.length > this.limit) this.buffer = this.buffer.slice(-this.limit);
  }
  text(): string {
    return this.buffer;
  }
  includes(needle: string): boolean {
    return this.buffer.includes(needle);
  }
}

/**
 * Asks the OS for `count` distinct free ports on 127.0.0.1. All listeners are
 * held open until every port is known, so the OS cannot hand out one twice.
 */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

interface BrokerPorts {
  broker: number;
  controller: number;
}

async function pickBrokerPorts(): Promise<BrokerPorts> {
  const [broker, controller] = await freePorts(2);
  if (broker === undefined || controller === undefined) throw new Error('Kafka test broker: no free ports');
  return { broker, controller };
}

/**
 * A random cluster id in the format of `kafka-storage random-uuid`: a version-4
 * UUID as 22 chars of unpadded URL-safe base64. Like Kafka's Uuid.randomUuid()
 * it never starts with '-', which would read as a command-line flag.
 */
export function randomKafkaClusterId(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40; // version 4
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // IETF variant
    const id = bytes.toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

// ---------------------------------------------------------------------------
// Broker configuration
// ---------------------------------------------------------------------------

function serverProperties(ports: BrokerPorts, dataDir: string): string {
  const lines = [
    '# Written by test/kafka/broker.ts: single-node KRaft broker for tests.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'auto.create.topics.enable=true',
    'num.partitions=3',
    // One broker: every replication factor and ISR minimum must be 1.
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    // Fewer internal partitions (default 50) make the first consumer-group join
    // and the first transactional producer noticeably faster in a fresh broker.
    'offsets.topic.num.partitions=3',
    'transaction.state.log.num.partitions=3',
    // Consumers join a group at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    // After kill() the restarted controller still holds the dead broker's
    // registration until its session expires (default 9 s, and the broker's
    // retries back off exponentially, ~16 s in all). A shorter session makes
    // an unclean restart take a few seconds; heartbeats stay well inside it.
    'broker.heartbeat.interval.ms=500',
    'broker.session.timeout.ms=3000',
  ];
  return `${lines.join('\n')}\n`;
}

/** Java flags shared by the storage tool and the broker. */
function jvmFlags(runDir: string): string[] {
  return [
    `-Dlog4j.configuration=file:${LOG4J_FILE}`,
    `-Dkafka.logs.dir=${runDir}`,
    '-Djava.awt.headless=true',
  ];
}

function classpath(jarDir: string): string {
  return `${jarDir}${path.sep}*`;
}

function formatStorage(jarDir: string, runDir: string, clusterId: string): Promise<ProcessResult> {
  return runProcess(
    'java',
    [
      ...jvmFlags(runDir),
      '-cp',
      classpath(jarDir),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      path.join(runDir, 'server.properties'),
      '--ignore-formatted',
    ],
    { cwd: runDir, timeoutMs: FORMAT_TIMEOUT_MS },
  );
}

// ---------------------------------------------------------------------------
// Broker process lifecycle
// ---------------------------------------------------------------------------

/** Holds the running JVM's pid while it lives; read by the watchdog. */
const PID_FILE = 'broker.pid';

/**
 * Safety net for test processes that die without calling stop() (a crashed or
 * force-killed jest worker): a detached shell polls the Node process once a
 * second and, once it is gone, SIGKILLs the JVM and removes a temp run dir.
 * An in-process 'exit' hook cannot do this: jest gives each spec file a copy
 * of `process` whose 'exit' event never fires, and SIGKILL runs no hooks.
 */
const WATCHDOG_SCRIPT = `
node_pid=$1; run_dir=$2; remove=$3
while kill -0 "$node_pid" 2>/dev/null; do sleep 1; done
if [ -f "$run_dir/${PID_FILE}" ]; then
  kill -9 "$(cat "$run_dir/${PID_FILE}")" 2>/dev/null
  sleep 1
fi
if [ "$remove" = 1 ]; then rm -rf "$run_dir"; fi
`;

function startWatchdog(runDir: string, removeRunDir: boolean): void {
  const args = [String(process.pid), runDir, removeRunDir ? '1' : '0'];
  const watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'kafka-watchdog', ...args], {
    detached: true, // Own process group: a Ctrl-C aimed at the tests does not skip the cleanup.
    stdio: 'ignore',
  });
  watchdog.on('error', () => undefined); // No sh: lose only the safety net.
  watchdog.unref(); // Never keeps jest or a script alive.
}

class BrokerStartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

class TestBroker implements KafkaBroker {
  brokers: string[] = [];
  private child: ChildProcess | undefined;
  /** Settles when the last JVM launched has exited. */
  private exited: Promise<void> = Promise.resolve();
  /** The start() in progress, shared by concurrent callers. */
  private starting: Promise<void> | undefined;
  private formatted = false;
  private readonly clusterId = randomKafkaClusterId();

  constructor(
    private readonly jarDir: string,
    private readonly runDir: string,
    private ports: BrokerPorts,
  ) {}

  private get propertiesFile(): string {
    return path.join(this.runDir, 'server.properties');
  }

  private get serverLog(): string {
    return path.join(this.runDir, 'server.log');
  }

  /** First start: the ports are not handed out yet, so a lost race is retried. */
  async startFresh(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        return;
      } catch (err) {
        if (!(err instanceof BrokerStartError && err.portInUse) || attempt >= BIND_ATTEMPTS) throw err;
        this.ports = await pickBrokerPorts();
      }
    }
  }

  start(): Promise<void> {
    // The JVM's ChildProcess exists well before it is ready, so concurrent
    // callers must share the pending start rather than check `child`.
    this.starting ??= this.startOnce().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    if (this.child) return;
    await this.exited; // After kill() the old JVM may still hold ports and the data dir lock.
    this.writeConfig();
    await this.formatOnce();
    await this.launch();
    this.brokers = [`127.0.0.1:${this.ports.broker}`];
  }

  async stop(): Promise<void> {
    const child = this.detach();
    if (child) {
      // SIGTERM runs Kafka's shutdown hook: logs are flushed and closed cleanly.
      child.kill('SIGTERM');
      if (await settlesWithin(this.exited, STOP_TIMEOUT_MS)) return;
      child.kill('SIGKILL');
    }
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  kill(): void {
    this.detach()?.kill('SIGKILL');
  }

  /**
   * Forgets the running process at once, so that start() right after a
   * synchronous kill() launches a new JVM (after awaiting the old one's exit)
   * instead of mistaking the dying one for a running broker.
   */
  private detach(): ChildProcess | undefined {
    const child = this.child;
    this.child = undefined;
    return child;
  }

  private writeConfig(): void {
    fs.mkdirSync(path.join(this.runDir, 'data'), { recursive: true });
    fs.writeFileSync(this.propertiesFile, serverProperties(this.ports, path.join(this.runDir, 'data')));
  }

  private async formatOnce(): Promise<void> {
    if (this.formatted) return;
    const result = await formatStorage(this.jarDir, this.runDir, this.clusterId);
    if (result.code !== 0) {
      throw new Error(`Kafka test broker: StorageTool format failed (exit ${String(result.code)}):\n${result.output}`);
    }
    this.formatted = true;
  }

  /** Spawns the JVM and resolves once it logs READY_LINE. */
  private launch(): Promise<void> {
    const child = spawn(
      'java',
      ['-Xms512m', '-Xmx1g', ...jvmFlags(this.runDir), '-cp', classpath(this.jarDir), 'kafka.Kafka', this.propertiesFile],
      // Never inherit our stdio: the console stays quiet, and a broker that
      // outlives a crashed test process cannot hold the CI job's output open.
      { cwd: this.runDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const pidFile = path.join(this.runDir, PID_FILE);
    if (child.pid !== undefined) fs.writeFileSync(pidFile, String(child.pid));
    const output = new OutputTail(OUTPUT_TAIL_CHARS);
    this.exited = new Promise((resolve) => {
      child.once('close', () => {
        // Gone: the watchdog must not kill whatever process reuses the pid.
        fs.rmSync(pidFile, { force: true });
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    return this.awaitReady(child, output);
  }

  private awaitReady(child: ChildProcess, output: OutputTail): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why: string): void => {
        cleanup();
        this.detach()?.kill('SIGKILL');
        // Reject only once the JVM is gone, so a retry can reuse the run dir.
        void this.exited.then(() => reject(this.startError(why, output)));
      };
      const onData = (chunk: Buffer): void => {
        // Keep draining the pipe after readiness too: a full pipe would block the JVM.
        output.push(chunk);
        if (!settled && output.includes(READY_LINE)) {
          cleanup();
          resolve();
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        fail(`exited during startup (code ${String(code)}, signal ${String(signal)})`);
      const onError = (err: Error): void => fail(`could not be spawned: ${err.message}`);
      const timer = setTimeout(() => fail(`not ready within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  private startError(why: string, output: OutputTail): BrokerStartError {
    const log = readTail(this.serverLog, 4_000);
    const text = `${output.text()}\n${log}`;
    const portInUse = /BindException|Address already in use/.test(text);
    return new BrokerStartError(
      `Kafka test broker ${why}. Run dir: ${this.runDir} (set KAFKA_KEEP_RUN_DIR=1 to keep it)\n--- output ---\n${output.text()}\n--- server.log (tail) ---\n${log}`,
      portInUse,
    );
  }
}

function readTail(file: string, chars: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-chars);
  } catch {
    return '(no server.log)';
  }
}

/**
 * The caller's logDir, kept afterwards, or a fresh temp dir that the watchdog
 * removes once this process has exited (kept if KAFKA_KEEP_RUN_DIR=1, to read
 * server.log after a failure).
 */
function prepareRunDir(logDir: string | undefined): string {
  const runDir =
    logDir !== undefined ? path.resolve(logDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'concord-kafka-'));
  fs.mkdirSync(runDir, { recursive: true });
  startWatchdog(runDir, logDir === undefined && process.env.KAFKA_KEEP_RUN_DIR !== '1');
  return runDir;
}

/**
 * Starts a fresh single-node KRaft broker on free 127.0.0.1 ports and resolves
 * once it accepts clients. Downloads the jars first if needed (see
 * ensureKafkaJars), so give the first call in a fresh checkout a generous
 * timeout. Always call stop() when done.
 */
export async function startKafkaBroker(opts: StartKafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const jarDir = await ensureKafkaJars();
  const runDir = prepareRunDir(opts.logDir);
  const instance = new TestBroker(jarDir, runDir, await pickBrokerPorts());
  await instance.startFresh();
  return instance;
}
