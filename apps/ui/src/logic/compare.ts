import { flatten, sameValue } from './fields';

/** What one source says about one field, and whether it stands out. */
export interface SourceCell {
  readonly reported: boolean;
  readonly value?: unknown;
  /** Reported, and different from another source's report of the same field. */
  readonly differs: boolean;
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
}

export interface SourceComparison {
  readonly sources: readonly string[];
  readonly rows: readonly ComparisonRow[];
  readonly disagreements: number;
}

/**
 * Side by side: every field any source reported, each source's own value, and
 * which fields the sources disagree on (compared as JSON, key order ignored).
 * No vocabulary mapping here: ERP `COMPLETED` and CRM `closed` differ; the
 * reconciliation rules, when the hub has them, say which values mean the same.
 */
export function compareSources(view: { state: Record<string, unknown>; sources: Record<string, { state: Record<string, unknown> }> }): SourceComparison {
  const sources = Object.keys(view.sources).sort();
  const perSource = new Map(sources.map((source) => [source, flatten(view.sources[source]!.state)]));
  const merged = flatten(view.state);
  const paths = [...new Set([...merged.keys(), ...[...perSource.values()].flatMap((leaves) => [...leaves.keys()])])].sort();
  const rows = paths.map((path): ComparisonRow => {
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
    return { path, merged: merged.get(path), cells, disagreement, partial: reports.length < sources.length };
  });
  return { sources, rows, disagreements: rows.filter((r) => r.disagreement).length };
}
