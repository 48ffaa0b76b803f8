import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PRINTABLE_ID, streamNameOf, SUBJECT_TYPE, type SubjectRef } from '@concord/contracts';
import { ProjectionRunner, SqliteReadModelStore } from '@concord/projections';
import { entityHistory, stepChanges, type HistoryStep } from '../../audit-trail/entity-history';
import type { FieldChange } from '../../audit-trail/field-diff';
import { streamEvents, untilBound } from '../../audit-trail/stream-events';
import type { PointInTime } from '../../entities/entities.queries';
import { entityKey, reportStyleFrom } from '../../entities/entity-view';
import { hubProjections } from '../../projections/hub-projections';
import { readModelsFile } from '../../projections/projections.module';
import { prepareForReading } from '../../projections/projections.service';
import { CliUsageError, integerFlag, stringFlag, type CliArgs, type CliCommand, type CliContext } from '../command';
import { openHubFiles, type HubFiles } from '../hub-files';
import { LogWindow } from '../log-window';
import { ProgressReporter } from '../progress';

const ENTITY_FLAGS = new Set(['entity', 'until', 'position', 'json']);
const PROJECTION_FLAGS = new Set(['projection', 'into', 'from', 'to']);

/**
 * `replay --entity <type>/<id>`: the entity view after each event, so an auditor
 * can watch the state evolve. `replay --projection <name> --into <file>`: a
 * projection rebuilt for a window of the log into a separate read-model file.
 */
export const replayCommand: CliCommand = {
  name: 'replay',
  summary:
    'Print an entity view after each event (--json: one JSON line per event), or rebuild a projection for a window of positions into a separate SQLite file (the live read models are not touched)',
  usage:
    'replay --entity <type>/<id> [--until <ISO time> | --position <n>] [--json]  |  replay --projection <name> --into <new file> [--from <position>] [--to <position>]',
  async run(args, context) {
    if (args.positional.length > 0) throw new CliUsageError(`unexpected ${JSON.stringify(args.positional[0])}`);
    const mode = args.flags.has('entity') ? ENTITY_FLAGS : args.flags.has('projection') ? PROJECTION_FLAGS : undefined;
    if (!mode) throw new CliUsageError('say --entity <type>/<id>, or --projection <name> --into <file>');
    const stray = [...args.flags.keys()].find((flag) => !mode.has(flag));
    if (stray) throw new CliUsageError(`--${stray} does not go with --${mode === ENTITY_FLAGS ? 'entity' : 'projection'}`);
    if (context.config.CONCORD_EVENT_STORE !== 'sqlite') {
      // The CLI opens the data directory's files; reading the log from KurrentDB here is not built yet, and an empty answer would mislead.
      context.err.write(`replay reads the embedded SQLite log in CONCORD_DATA_DIR; with CONCORD_EVENT_STORE=${context.config.CONCORD_EVENT_STORE} it is not available yet\n`);
      return 2;
    }
    return mode === ENTITY_FLAGS ? replayEntity(args, context) : replayProjection(args, context);
  },
};

async function replayEntity(args: CliArgs, context: CliContext): Promise<number> {
  const subject = entityRef(stringFlag(args, 'entity'));
  const until = boundOf(args);
  const json = args.flags.get('json') === true;
  if (args.flags.has('json') && !json) throw new CliUsageError('--json takes no value');
  const files = openHubFiles(context.config);
  try {
    const stream = streamNameOf(subject);
    if ((await files.store.readStream(stream, { limit: 1 })).length === 0) {
      context.err.write(`no ${entityKey(subject)} is known: the log holds no event about it\n`);
      return 1;
    }
    const events = untilBound(streamEvents(files.store, stream, prepareForReading(files.registry, files.keys)), until);
    let count = 0;
    let last: HistoryStep | undefined;
    for await (const step of entityHistory(events, reportStyleFrom(files.registry))) {
      context.out.write(json ? `${JSON.stringify(jsonLine(step))}\n` : `${humanLine(step)}\n`);
      count++;
      last = step;
    }
    const through = until ? ` up to ${'asOf' in until ? until.asOf.toISOString() : `position ${until.atPosition}`}` : '';
    const summary = `${count} event${count === 1 ? '' : 's'} of ${entityKey(subject)}${through}${last?.after ? `; view version ${last.after.version}` : ''}\n`;
    (json ? context.err : context.out).write(summary);
    return 0;
  } finally {
    await files.close();
  }
}

function entityRef(value: string | undefined): SubjectRef {
  const slash = value?.indexOf('/') ?? -1;
  if (!value || slash < 1) throw new CliUsageError('--entity must be <type>/<id>, e.g. order/SO-1001');
  const type = value.slice(0, slash);
  const id = value.slice(slash + 1);
  if (!SUBJECT_TYPE.test(type)) throw new CliUsageError('the entity type must match [a-z][a-z0-9_]{0,63}');
  if (!PRINTABLE_ID.test(id)) throw new CliUsageError('the entity id must be 1..200 characters without control characters');
  return { type, id };
}

function boundOf(args: CliArgs): PointInTime {
  const until = stringFlag(args, 'until');
  const position = integerFlag(args, 'position');
  if (until !== undefined && position !== undefined) throw new CliUsageError('give --until or --position, not both');
  if (until !== undefined) {
    const time = Date.parse(until);
    if (!/^\d{4}-\d{2}-\d{2}/.test(until) || Number.isNaN(time)) throw new CliUsageError(`--until must be an ISO-8601 date-time, got ${JSON.stringify(until)}`);
    return { asOf: new Date(time) };
  }
  return position !== undefined ? { atPosition: position } : undefined;
}

/** `#12 r3 2026-11-21T10:00:00.000Z erp order.status-changed (user:alice)  status: "OPEN" → "SHIPPED"` */
export function humanLine(step: HistoryStep): string {
  const { event } = step;
  const actor = event.actor ? ` (${event.actor.type}:${event.actor.id})` : '';
  const head = `#${event.position} r${event.revision} ${event.recordedAt} ${event.source} ${event.type}${actor}`;
  if (step.outcome !== 'applied') return `${head}  ${step.note}`;
  const { changes } = stepChanges(step);
  return `${head}  ${changes.length ? changes.map(describeChange).join('; ') : '(no field changed)'}`;
}

function describeChange(change: FieldChange): string {
  const show = (value: unknown, present: boolean) => (present ? JSON.stringify(value) : '∅');
  return `${change.path}: ${show(change.before, change.kind !== 'added')} → ${show(change.after, change.kind !== 'removed')}`;
}

export function jsonLine(step: HistoryStep) {
  const { event } = step;
  return {
    event: {
      id: event.id,
      type: event.type,
      position: event.position,
      revision: event.revision,
      source: event.source,
      actor: event.actor ?? null,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      correlationId: event.correlationId ?? null,
      causationId: event.causationId ?? null,
    },
    outcome: step.outcome,
    ...(step.note ? { note: step.note } : {}),
    ...stepChanges(step),
    view: step.after ?? null,
  };
}

/**
 * `--from` > 1 starts from an EMPTY model at that position: the file then holds
 * what the events from..to did, not the state as of `to` (for that, use
 * `--from 1`). Said on every such run, and recorded in the file.
 */
async function replayProjection(args: CliArgs, context: CliContext): Promise<number> {
  const name = stringFlag(args, 'projection');
  const intoFlag = stringFlag(args, 'into');
  if (!name) throw new CliUsageError('--projection needs a name');
  if (!intoFlag) throw new CliUsageError('--into <file> is required: the replay never writes into the live read models');
  const into = resolve(intoFlag);
  const from = integerFlag(args, 'from') ?? 1;
  const toFlag = integerFlag(args, 'to');
  if (from < 1) throw new CliUsageError('--from must be a log position, 1 or more');
  if (toFlag !== undefined && toFlag < from) throw new CliUsageError(`--to (${toFlag}) must not be before --from (${from})`);
  const live = [readModelsFile(context.config), join(context.config.CONCORD_DATA_DIR, 'events.db')].map((file) => resolve(file));
  if (live.includes(into)) throw new CliUsageError(`--into ${into} is one of the hub's own files; name a new file`);
  if (existsSync(into)) {
    context.err.write(`${into} already exists; name a new file (a replay never writes into an existing one)\n`);
    return 1;
  }

  const files = openHubFiles(context.config);
  try {
    const projection = hubProjections(files.registry, files.projectionSettings).find((p) => p.name === name);
    if (!projection) throw new CliUsageError(`no projection named ${JSON.stringify(name)}; known: ${hubProjections(files.registry, files.projectionSettings).map((p) => p.name).join(', ')}`);
    const head = await files.store.headPosition();
    if (from > head) {
      context.err.write(`--from ${from} is past the end of the log (head ${head})\n`);
      return 1;
    }
    const to = Math.min(toFlag ?? head, head);
    if (toFlag !== undefined && toFlag > head) context.err.write(`--to ${toFlag} is past the end of the log: replaying to the head, ${head}\n`);
    if (from > 1) context.err.write(`note: the model starts EMPTY at position ${from}: it holds what events ${from}..${to} did, not the state as of ${to} (use --from 1 for that)\n`);
    return await replayWindow(files, projection, { from, to, head, into }, context);
  } finally {
    await files.close();
  }
}

async function replayWindow(
  files: HubFiles,
  projection: ReturnType<typeof hubProjections>[number],
  window: { from: number; to: number; head: number; into: string },
  context: CliContext,
): Promise<number> {
  const target = SqliteReadModelStore.open(window.into);
  try {
    const runner = new ProjectionRunner(projection, {
      store: new LogWindow(files.store, window.from, window.to),
      readModels: target,
      clock: files.clock,
      prepare: prepareForReading(files.registry, files.keys),
      batchSize: 5000,
    });
    await runner.resetToZero();
    const total = window.to - window.from + 1;
    const progress = new ProgressReporter(context.err, context.interactive, `replay ${projection.name}`, total);
    const reached = await runner.catchUp((position) => progress.update(position - window.from + 1));
    const { seconds } = progress.finish(reached - window.from + 1);
    const at = files.clock.now().toISOString();
    await target.markState(projection.name, projection.version, 'stopped', at);
    recordWindow(target, projection, window, at, context.config.CONCORD_DATA_DIR);
    context.out.write(`replayed ${projection.name} over positions ${window.from}..${window.to} (${total} events) into ${window.into} in ${seconds.toFixed(1)} s\n`);
    return 0;
  } finally {
    await target.close();
  }
}

/** The file says what it is: which projection, which window, from which log, when. */
function recordWindow(
  target: SqliteReadModelStore,
  projection: { name: string; version: number },
  window: { from: number; to: number; head: number },
  at: string,
  dataDir: string,
): void {
  target.db.exec(`CREATE TABLE IF NOT EXISTS replay_window (
    projection TEXT NOT NULL, version INTEGER NOT NULL, from_position INTEGER NOT NULL, to_position INTEGER NOT NULL,
    log_head INTEGER NOT NULL, starts_empty INTEGER NOT NULL, data_dir TEXT NOT NULL, replayed_at TEXT NOT NULL
  ) STRICT`);
  target.db
    .prepare('INSERT INTO replay_window VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(projection.name, projection.version, window.from, window.to, window.head, window.from > 1 ? 1 : 0, resolve(dataDir), at);
}
