import { Injectable } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import type { HubStatusContributor, StatusSection } from '../operations/hub-status';
import { ReconciliationReader } from './reconciliation.reader';

/** Open reconciliation items by kind in /metrics, and "open mismatches" in /v1/status. */
@Injectable()
export class ReconciliationContributor implements HubStatusContributor {
  readonly name = 'reconciliation';

  constructor(private readonly reader: ReconciliationReader) {}

  async status(): Promise<StatusSection> {
    if (!this.reader.enabled) return { severity: 'ok', summary: 'no reconciliation rules are configured' };
    const counts = await this.reader.summary();
    const open = counts.mismatch + counts.missing + counts.duplicate;
    const details = { rulesVersion: this.reader.rules.version, ...counts };
    if (open === 0) {
      return { severity: 'ok', summary: `${counts.matched} of ${counts.entities} entities agree across systems${counts.pending ? `; ${counts.pending} disagreement(s) inside their grace period` : ''}`, details };
    }
    const parts = [`${counts.mismatch} mismatch(es)`, `${counts.missing} missing record(s)`, `${counts.duplicate} duplicate(s)`];
    return { severity: 'warning', summary: `${open} open reconciliation item(s): ${parts.join(', ')}`, details };
  }

  registerMetrics(registry: Registry): void {
    const reader = this.reader;
    new Gauge({
      name: 'concord_reconciliation_items',
      help: 'Reconciliation items by kind and status (open: outlived the grace period; pending: inside it)',
      labelNames: ['kind', 'status'],
      registers: [registry],
      async collect() {
        if (!reader.enabled) return;
        const counts = await reader.summary();
        for (const kind of ['mismatch', 'missing', 'duplicate'] as const) this.set({ kind, status: 'open' }, counts[kind]);
        this.set({ kind: 'any', status: 'pending' }, counts.pending);
      },
    });
  }
}
