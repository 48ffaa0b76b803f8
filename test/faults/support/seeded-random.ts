import { mulberry32 } from '@concord/common';

/** Uniform in [0, 1) from a seed: the same seed gives the same fault moments, so a failing run can be replayed (FAULTS_SEED). */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** A non-negative integer from the environment, or the default (the CI size). */
export function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}
