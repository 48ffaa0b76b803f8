import type { CliCommand } from '../command';
import { keysCommand } from './keys';
import { projectionsCommand } from './projections';
import { exportCommand } from './export';
import { replayCommand } from './replay';
import { verifyCommand } from './verify';

/** Every CLI command; a new command is a file in this folder plus a line here. */
export const commands: readonly CliCommand[] = [keysCommand, projectionsCommand, replayCommand, verifyCommand, exportCommand];
