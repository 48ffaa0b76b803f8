/** One sample of Prometheus text exposition: a metric name, its labels and value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match || LABEL.lastIndex === at) return undefined;
    labels[match[1]!] = unescape(match[2]!);
  }
  return labels;
}

/** Parses the text format (version 0.0.4); comments and lines it cannot read are skipped. */
export function parsePrometheus(text: string, only?: (name: string) => boolean): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const name = match[1]!;
    if (only && !only(name)) continue;
    const labels = match[2] ? parseLabels(match[2]) : {};
    const value = Number(match[3]);
    if (!labels || Number.isNaN(value)) continue;
    samples.push({ name, labels, value });
  }
  return samples;
}

/** Sums the samples of one metric by the value of one label (e.g. events received by source). */
export function sumBy(samples: readonly Sample[], name: string, label: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = sample.labels[label] ?? '';
    sums[key] = (sums[key] ?? 0) + sample.value;
  }
  return sums;
}
