import { HUB_SOURCE, type ContractRegistry, type EventEnvelope, type SubjectRef } from '@concord/contracts';
import type { StoredEvent } from '@concord/event-store';
import { personalPathsForSubjectType, revealPersonalData, SqliteKeyVault } from '@concord/personal-data';
import { ProjectionRunner, type Doc } from '@concord/projections';
import { inMemorySqliteReadModels, ProjectionTestbed, readModelSnapshot } from '@concord/projections/testing';
import type { HubEvent } from '../../hub-events/hub-event-recorder';
import { erasureEventId } from '../../privacy/subject-erasure';
import { sealPersonalData } from '../../privacy/seal-personal-data';
import { RECON_ITEMS, type ReconItem } from '../reconciliation-model';
import { openedRecord, resolvedRecords } from '../reconciliation-records';
import type { ReconciliationRules } from '../reconciliation-rules';
import { reconciliationProjection } from '../reconciliation.projection';

/**
 * The reconciliation projection over a real log with crypto-shredding, as the hub runs it:
 * personal fields sealed before the append, opened (or "[erased]") when read, a forget
 * destroying the subject's keys and recording `subject.forgotten`; and a sweep that records
 * what the sweeper would (openings past their grace, resolutions to announce).
 */
export class ReconciliationTestbed {
  readonly vault = SqliteKeyVault.open(':memory:');
  readonly bed: ProjectionTestbed;

  constructor(
    private readonly registry: ContractRegistry,
    rules: ReconciliationRules,
  ) {
    this.bed = new ProjectionTestbed(reconciliationProjection(registry, rules), { prepare: revealPersonalData(registry, this.vault) });
  }

  /** Appends source events as ingestion does: personal fields sealed under the subject's key. */
  async given(envelopes: readonly EventEnvelope[], options: { stepMs?: number } = {}): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    for (const envelope of envelopes) {
      const [sealed] = await sealPersonalData(this.registry, this.vault, this.bed.store, [envelope]);
      stored.push(...(await this.bed.given([sealed!], options)));
    }
    return stored;
  }

  /** What POST /v1/subjects/:type/:id/forget does: destroy the keys, then record the erasure in the subject's stream. */
  async forget(subject: SubjectRef): Promise<StoredEvent | undefined> {
    const outcome = await this.vault.forget(subject, this.bed.clock.now().toISOString(), 'spec');
    if (outcome.status === 'unknown') return undefined;
    const id = erasureEventId(subject, outcome.erasure);
    if (await this.bed.store.getEvent(id)) return undefined;
    const envelope: EventEnvelope = {
      id,
      source: HUB_SOURCE,
      type: 'subject.forgotten',
      schemaVersion: 1,
      subject,
      occurredAt: outcome.at,
      data: { erasure: outcome.erasure, keyGenerations: outcome.generations, erasedFields: personalPathsForSubjectType(this.registry, subject.type) },
    };
    const [stored] = await this.bed.given([envelope]);
    return stored;
  }

  /** One sweep at the testbed clock's time: the records the sweeper would state, each once (the log dedupes by id). */
  async sweep(): Promise<StoredEvent[]> {
    await this.bed.run();
    const now = this.bed.clock.now().toISOString();
    const records: HubEvent[] = [];
    for (const item of await this.items()) {
      if (item.status === 'pending' && item.dueAt <= now) records.push(openedRecord(item));
      if (item.announcing) records.push(...resolvedRecords(item));
    }
    const fresh: EventEnvelope[] = [];
    for (const record of records) if (!(await this.bed.store.getEvent(record.id))) fresh.push({ ...record, source: HUB_SOURCE, schemaVersion: 1 } as EventEnvelope);
    const stored = await this.bed.given(fresh, { stepMs: 0 });
    await this.bed.run();
    return stored;
  }

  async items(): Promise<ReconItem[]> {
    await this.bed.run();
    return Object.entries(await this.bed.snapshot())
      .filter(([key]) => key.startsWith(`${RECON_ITEMS}/`))
      .map(([, doc]) => doc as unknown as ReconItem);
  }

  async doc<T>(collection: string, key: string): Promise<T | undefined> {
    await this.bed.run();
    return (await this.bed.doc<Doc>(collection, key)) as T | undefined;
  }

  async snapshot(): Promise<Record<string, Doc>> {
    await this.bed.run();
    return this.bed.snapshot();
  }

  rebuild(): Promise<Record<string, Doc>> {
    return this.bed.rebuild();
  }

  /** A rebuild from zero into a read-model store of its own, leaving the live one as it is (a reader of its own too). */
  async rebuiltElsewhere(): Promise<Record<string, Doc>> {
    const readModels = inMemorySqliteReadModels();
    const projection = this.bed.projection;
    const runner = new ProjectionRunner(projection, { store: this.bed.store, readModels: readModels.store, clock: this.bed.clock, prepare: revealPersonalData(this.registry, this.vault) });
    try {
      await runner.load();
      await runner.catchUp();
      return await readModelSnapshot(readModels.store, projection.collections);
    } finally {
      await runner.stop();
      await readModels.teardown();
    }
  }

  async close(): Promise<void> {
    await this.bed.close();
    await this.vault.close();
  }
}
