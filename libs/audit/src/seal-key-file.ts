import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sealKeyFromPem, type SealKey } from './seal';

export class SealKeyFileError extends Error {
  override readonly name = 'SealKeyFileError';
}

/**
 * Reads the Ed25519 seal key (PKCS#8 PEM), creating it on first use. It is
 * created exclusively (`wx`, so two processes starting at once never overwrite
 * each other's key) with mode 0600, and refused when others may read it, as ssh does.
 */
export function loadOrCreateSealKey(file: string): { key: SealKey; created: boolean } {
  let created = false;
  try {
    statSync(file);
  } catch {
    mkdirSync(dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return { key: readSealKey(file), created };
}

/** Reads an existing seal key; refuses a key file that group or others can access. */
export function readSealKey(file: string): SealKey {
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new SealKeyFileError(`the seal key ${file} is accessible to others (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 on it`);
  }
  try {
    return sealKeyFromPem(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof SealKeyFileError) throw error;
    throw new SealKeyFileError(`the seal key ${file} is not a readable Ed25519 private key: ${(error as Error).message}`);
  }
}
