/**
 * CSV for spreadsheets (RFC 4180): fields with a comma, quote or line break are
 * quoted; a field that a spreadsheet would run as a formula (= + - @ at the
 * start) is prefixed with a single quote, so an exported value cannot execute.
 */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Leaf paths of a nested object, e.g. `total.amount`, sorted. */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.keys(value)
    .sort()
    .flatMap((key) => leafPaths((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key));
}
