import { ProjectionRunner } from '@concord/projections';
import { hubProjections } from '../../projections/hub-projections';
import { prepareForReading } from '../../projections/projections.service';
import { CliUsageError, type CliCommand } from '../command';
import { openHubFiles } from '../hub-files';
import { ProgressReporter } from '../progress';

/**
 * Events per batch when the CLI rebuilds: a document that several events of one batch change is read,
 * copied and written once, so larger batches make rebuilds cheaper (reconciliation over 1M events:
 * about 5 CPU µs/event less at 10,000 than at 5,000; bench/RESULTS.md) for a few MB more memory.
 */
export const REBUILD_BATCH_EVENTS = 10_000;

/**
 * `projections status` and `projections rebuild <name>`. A rebuild run here while
 * the hub is up is safe: checkpoints are guarded, so the hub's own runner
 * notices the moved checkpoint and continues from it instead of applying twice.
 */
export const projectionsCommand: CliCommand = {
  name: 'projections',
  summary: 'List projections with checkpoint and lag, or rebuild one from position 0 (progress bar with events/s and ETA)',
  usage: 'projections status | projections rebuild <name>',
  async run(args, context) {
    const [action, name] = args.positional;
    const files = openHubFiles(context.config);
    try {
      const projections = hubProjections(files.registry, files.projectionSettings);
      const runners = projections.map(
        (projection) =>
          new ProjectionRunner(projection, {
            store: files.store,
            readModels: files.readModels,
            clock: files.clock,
            prepare: prepareForReading(files.registry, files.keys),
            batchSize: REBUILD_BATCH_EVENTS,
          }),
      );
      if (action === 'status') {
        for (const runner of runners) {
          await runner.load();
          const stored = await files.readModels.checkpoint(runner.projection.name);
          const status = await runner.status();
          context.out.write(
            `${status.name}  state=${stored?.state ?? 'never-run'}  checkpoint=${status.checkpoint}  head=${status.headPosition}  lag=${status.lagEvents} events / ${status.lagSeconds.toFixed(1)} s${stored?.lastError ? `  lastError=${JSON.stringify(stored.lastError)}` : ''}\n`,
          );
        }
        return 0;
      }
      if (action !== 'rebuild' || !name) throw new CliUsageError('say status, or rebuild and a projection name');
      const runner = runners.find((r) => r.projection.name === name);
      if (!runner) throw new CliUsageError(`no projection named ${JSON.stringify(name)}; known: ${projections.map((p) => p.name).join(', ')}`);
      const head = await files.store.headPosition();
      await runner.resetToZero();
      const progress = new ProgressReporter(context.err, context.interactive, `rebuild ${name}`, head);
      const reached = await runner.catchUp((position) => progress.update(position));
      const { seconds, rate } = progress.finish(reached);
      context.out.write(`rebuilt ${name}: ${reached} events in ${seconds.toFixed(1)} s (${Math.round(rate)} events/s)\n`);
      return 0;
    } finally {
      await files.close();
    }
  },
};
