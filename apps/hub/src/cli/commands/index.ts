import type { CliCommand } from '../command';
import { keysCommand } from './keys';
import { projectionsCommand } from './projections';
import { replayCommand } from './replay';

/** Every CLI command; a new command is a file in this folder plus a line here. */
export const commands: readonly CliCommand[] = [keysCommand, projectionsCommand, replayCommand];
