import type { ConcordConfig } from '../config/concord-config';

/** Parsed `--flag value` / `--flag` options and positional words after the command name. */
export interface CliArgs {
  readonly positional: readonly string[];
  readonly flags: ReadonlyMap<string, string | true>;
  /** Every value of a flag given more than once or not (`--source erp --source crm`), in order. */
  readonly repeated?: ReadonlyMap<string, readonly string[]>;
}

export interface CliContext {
  readonly config: ConcordConfig;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  /** True when stdout is a terminal: progress bars are drawn only then. */
  readonly interactive: boolean;
}

/** One `npm run concord -- <name> …` command. Returns the process exit code. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: CliArgs, context: CliContext): Promise<number>;
}

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const remember = (name: string, value: string) => repeated.set(name, [...(repeated.get(name) ?? []), value]);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const [name, inline] = word.slice(2).split('=', 2) as [string, string | undefined];
    if (!name) throw new CliUsageError(`malformed option ${word}`);
    const next = argv[i + 1];
    if (inline !== undefined) {
      flags.set(name, inline);
      remember(name, inline);
    } else if (next !== undefined && !next.startsWith('--')) {
      flags.set(name, next);
      remember(name, next);
      i++;
    } else flags.set(name, true);
  }
  return { positional, flags, repeated };
}

export function stringFlag(args: CliArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  if (value === true) throw new CliUsageError(`--${name} needs a value`);
  return value;
}

export function integerFlag(args: CliArgs, name: string): number | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliUsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}
