import { PassThrough } from 'node:stream';
import { loadConfig } from '../config/concord-config';
import { runCli } from './main';

/** Runs a CLI command in-process against a data directory and collects what it writes (for specs). */
export async function cli(dataDir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => (chunks.out += c.toString()));
  err.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const code = await runCli(argv, { config: loadConfig({ CONCORD_DATA_DIR: dataDir }), out, err, interactive: false });
  return { code, ...chunks };
}
