import type { CliCommand } from '../command';
import { keysCommand } from './keys';
import { projectionsCommand } from './projections';

/** Every CLI command; a new command is a file in this folder plus a line here. */
export const commands: readonly CliCommand[] = [keysCommand, projectionsCommand];
