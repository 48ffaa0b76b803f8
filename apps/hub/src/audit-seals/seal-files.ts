import { join } from 'node:path';
import type { ConcordConfig } from '../config/concord-config';

/** The seals live in their own file beside the log: they must outlive a rewritten or replaced log file. */
export function sealFile(config: ConcordConfig): string {
  return join(config.CONCORD_DATA_DIR, 'seals.db');
}

export function sealKeyFile(config: ConcordConfig): string {
  return config.CONCORD_SEAL_KEY_FILE || join(config.CONCORD_DATA_DIR, 'seal-key.pem');
}
