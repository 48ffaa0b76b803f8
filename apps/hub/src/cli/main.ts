import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/concord-config';
import { CliUsageError, parseArgs, type CliContext } from './command';
import { commands } from './commands';

function help(): string {
  const lines = commands.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage: npm run concord -- <command> [options]\n\ncommands:\n${lines.join('\n') || '  (none yet)'}\n`;
}

/** `npm run concord -- <command> …`: operator and auditor tasks against the hub's data directory. */
export async function runCli(argv: readonly string[], context?: Partial<CliContext>): Promise<number> {
  const [name, ...rest] = argv;
  const err = context?.err ?? process.stderr;
  if (!name || name === 'help' || name === '--help') {
    (context?.out ?? process.stdout).write(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    err.write(`unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return 2;
  }
  try {
    const full: CliContext = {
      config: context?.config ?? loadConfig(process.env),
      out: context?.out ?? process.stdout,
      err,
      interactive: context?.interactive ?? Boolean(process.stdout.isTTY),
    };
    return await command.run(parseArgs(rest), full);
  } catch (error) {
    if (error instanceof CliUsageError) {
      err.write(`${error.message}\nusage: npm run concord -- ${command.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      err.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
