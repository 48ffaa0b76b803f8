import type { PlantedFaults } from './traffic';

/** The part of a reconciliation item (GET /v1/reconciliation) that the demo reads. */
export interface ReconItemView {
  readonly id: string;
  readonly kind: 'mismatch' | 'missing' | 'duplicate';
  readonly entityType: string;
  readonly subject?: { readonly type: string; readonly id: string };
  readonly field?: string;
  readonly source?: string;
  readonly naturalKey?: string;
  readonly values: Readonly<Record<string, unknown>>;
}

export interface Finding {
  /** What was planted: a conflict kind, `missing` or `twins`. */
  readonly planted: string;
  readonly subject: string;
  /** The open item that reports it, if reconciliation found it. */
  readonly item?: ReconItemView;
}

/**
 * Pairs every disagreement the simulator planted with the reconciliation item
 * that should report it: a conflict with a mismatch on its entity and field, an
 * order one system never reported with a missing item, twins with a duplicate
 * naming both customer ids. Pure, so the pairing itself is tested.
 */
export function findingsFor(planted: PlantedFaults, items: readonly ReconItemView[]): Finding[] {
  const on = (kind: ReconItemView['kind'], type: string, id: string) =>
    items.filter((i) => i.kind === kind && i.entityType === type && i.subject?.id === id);
  const findings: Finding[] = [];
  for (const conflict of planted.conflicts) {
    const item = on('mismatch', conflict.subject.type, conflict.subject.id).find((i) => i.field === conflict.field);
    findings.push({ planted: conflict.kind, subject: `${conflict.subject.type}/${conflict.subject.id}`, ...(item ? { item } : {}) });
  }
  for (const missing of planted.missing) {
    const item = on('missing', missing.subject.type, missing.subject.id)[0];
    findings.push({ planted: `missing in ${missing.system}`, subject: `${missing.subject.type}/${missing.subject.id}`, ...(item ? { item } : {}) });
  }
  for (const twin of planted.twins) {
    const item = items.find((i) => i.kind === 'duplicate' && i.entityType === 'customer' && twin.customers.every((id) => JSON.stringify(i.values).includes(`"${id}"`)));
    findings.push({ planted: 'twins', subject: `customer/${twin.customers.join('+')}`, ...(item ? { item } : {}) });
  }
  return findings;
}
