import type { CliCommand } from '../command';

/** Every CLI command; a new command is a file in this folder plus a line here. */
export const commands: readonly CliCommand[] = [];
