import type { Severity } from '../api/status';

const WORDS: Record<Severity, string> = { ok: 'OK', warning: 'Warning', critical: 'Critical' };

/** Colour plus a word: colour alone is not enough for everyone. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span class={`badge sev-${severity}`}>{WORDS[severity]}</span>;
}
