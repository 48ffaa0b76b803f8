import { Writable } from 'node:stream';
import type { VerifyReport } from '@concord/audit';
import { runCli } from '../../../apps/hub/src/cli/main';
import { loadConfig } from '../../../apps/hub/src/config/concord-config';

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `npm run concord -- verify --json` on a data directory, as an auditor runs it: the report and the exit code. */
export async function runVerify(dataDir: string): Promise<{ exitCode: number; report: VerifyReport }> {
  const out = new Captured();
  const err = new Captured();
  const config = loadConfig({ CONCORD_DATA_DIR: dataDir });
  const exitCode = await runCli(['verify', '--json', '--threads', '1'], { config, out, err, interactive: false });
  if (exitCode === 2 || out.text === '') throw new Error(`verify could not run (exit ${exitCode}): ${err.text}`);
  return { exitCode, report: JSON.parse(out.text) as VerifyReport };
}
