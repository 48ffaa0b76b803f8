import { flatten, sameValue } from './fields';

/** What one source says about one field, and whether it stands out. */
export interface SourceCell {
  readonly reported: boolean;
  readonly value?: unknown;
  /** Reported, and different from another source's report of the same field (in meaning, when a rule judges the field). */
  readonly differs: boolean;
  /** What the value means in the rules' canonical vocabulary, when a reconciliation rule maps it. */
  readonly canonical?: unknown;
  /** A rule judges this field, but this source's value is in no mapping. */
  readonly unmapped?: true;
}

export interface ComparisonRow {
  readonly path: string;
  /** The merged state's value (the latest any source reported). */
  readonly merged: unknown;
  readonly cells: Readonly<Record<string, SourceCell>>;
  /** Two or more sources report the field and they do not all agree. */
  readonly disagreement: boolean;
  /** Only some sources report the field. */
  readonly partial: boolean;
  /** The reconciliation rule field that judged this row, with its verdict; absent: compared as reported. */
  readonly rule?: { readonly field: string; readonly verdict: FieldVerdictLike['verdict'] };
}

export interface SourceComparison {
  readonly sources: readonly string[];
  readonly rows: readonly ComparisonRow[];
  readonly disagreements: number;
}

/** The part of the hub's per-field verdict (`GET /v1/reconciliation/:type/:id`) the comparison reads. */
export interface FieldVerdictLike {
  readonly field: string;
  readonly verdict: 'match' | 'mismatch' | 'unmapped' | 'incomplete';
  readonly values: Readonly<Record<string, { readonly present: boolean; readonly value?: unknown; readonly canonical?: unknown; readonly path?: string }>>;
  readonly tolerance?: number;
}

type Leaves = Map<string, unknown>;

/**
 * Side by side: every field any source reported, each source's own value, and
 * which fields the sources disagree on. A field a reconciliation rule judges
 * (`verdicts`, matched to the row by each source's path) disagrees when the
 * rule says so, and its cells are compared in their canonical meaning within
 * the rule's tolerance: ERP `COMPLETED` and CRM `closed` both mean done and
 * agree. Any other field is compared as reported (as JSON, key order ignored).
 */
export function compareSources(
  view: { state: Record<string, unknown>; sources: Record<string, { state: Record<string, unknown> }> },
  verdicts: readonly FieldVerdictLike[] = [],
): SourceComparison {
  const sources = Object.keys(view.sources).sort();
  const perSource = new Map(sources.map((source) => [source, flatten(view.sources[source]!.state)]));
  const merged = flatten(view.state);
  const paths = [...new Set([...merged.keys(), ...[...perSource.values()].flatMap((leaves) => [...leaves.keys()])])].sort();
  const rows = paths.map((path): ComparisonRow => {
    const reporting = sources.filter((s) => perSource.get(s)!.has(path));
    const verdict = verdicts.find((v) => Object.values(v.values).some((value) => value.path === path));
    const judged = verdict ? judgedRow(path, sources, perSource, verdict) : rawRow(path, sources, perSource);
    return { path, merged: merged.get(path), partial: reporting.length < sources.length, ...judged };
  });
  return { sources, rows, disagreements: rows.filter((r) => r.disagreement).length };
}

function rawRow(path: string, sources: readonly string[], perSource: ReadonlyMap<string, Leaves>): Pick<ComparisonRow, 'cells' | 'disagreement'> {
  const reports = sources.filter((s) => perSource.get(s)!.has(path)).map((s) => ({ source: s, value: perSource.get(s)!.get(path) }));
  const disagreement = reports.some((r) => !sameValue(r.value, reports[0]!.value));
  const cells = Object.fromEntries(
    sources.map((source): [string, SourceCell] => {
      const leaves = perSource.get(source)!;
      if (!leaves.has(path)) return [source, { reported: false, differs: false }];
      const value = leaves.get(path);
      return [source, { reported: true, value, differs: disagreement && reports.some((r) => r.source !== source && !sameValue(r.value, value)) }];
    }),
  );
  return { cells, disagreement };
}

/** The rule's verdict decides; a cell stands out when its meaning differs from another judged cell's, or no mapping knows it. */
function judgedRow(path: string, sources: readonly string[], perSource: ReadonlyMap<string, Leaves>, verdict: FieldVerdictLike): Pick<ComparisonRow, 'cells' | 'disagreement' | 'rule'> {
  const judgedHere = (source: string) => {
    const value = verdict.values[source];
    return value?.present && value.path === path ? value : undefined;
  };
  const unmapped = (source: string) => verdict.verdict === 'unmapped' && judgedHere(source)?.canonical === null;
  const meanings = sources.filter((s) => judgedHere(s) && !unmapped(s)).map((s) => ({ source: s, canonical: judgedHere(s)!.canonical }));
  const disagreement = verdict.verdict === 'mismatch' || verdict.verdict === 'unmapped';
  const cells = Object.fromEntries(
    sources.map((source): [string, SourceCell] => {
      const leaves = perSource.get(source)!;
      if (!leaves.has(path)) return [source, { reported: false, differs: false }];
      const value = leaves.get(path);
      const judged = judgedHere(source);
      if (!judged) return [source, { reported: true, value, differs: false }];
      if (unmapped(source)) return [source, { reported: true, value, differs: true, unmapped: true }];
      const differs = verdict.verdict === 'mismatch' && meanings.some((m) => m.source !== source && !agree(m.canonical, judged.canonical, verdict.tolerance));
      return [source, { reported: true, value, canonical: judged.canonical, differs }];
    }),
  );
  return { cells, disagreement, rule: { field: verdict.field, verdict: verdict.verdict } };
}

function agree(a: unknown, b: unknown, tolerance = 0): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tolerance + 1e-9;
  return sameValue(a, b);
}
