import { createHash } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CLOCK, type Clock } from '@concord/common';
import { HUB_SOURCE, type ContractRegistry, type SubjectRef } from '@concord/contracts';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { erasePersonalFields, KEY_VAULT, personalPathsForSubjectType, type Erasure, type KeyVault } from '@concord/personal-data';
import { QUARANTINE_STORE, type QuarantineStore } from '@concord/quarantine';
import { HubEventRecorder } from '../hub-events/hub-event-recorder';
import { CONTRACT_REGISTRY } from '../storage/storage.module';

export const SUBJECT_FORGOTTEN = 'subject.forgotten';

export interface ErasureReport {
  readonly subject: SubjectRef;
  /** `already-forgotten`: nothing was left to destroy; the answer describes the last erasure. */
  readonly status: 'forgotten' | 'already-forgotten';
  readonly erasure: number;
  readonly forgottenAt: string;
  readonly requestedBy: string;
  readonly keyGenerations: number;
  readonly erasedFields: readonly string[];
  /** The erasure's record in the log (stream of the subject, source concord). */
  readonly event: { readonly id: string; readonly position: number };
  /** Quarantined inputs about the subject whose personal fields were replaced by "[erased]" by this call. */
  readonly quarantinedInputsErased: number;
}

/**
 * The erasure's event id: derived from the subject and the erasure's number, so
 * recording it again (a retried request, a crash between destroying the key and
 * recording) finds the stored one instead of adding a second. Hashed because a
 * subject id may be 200 characters long, as long as an event id may be.
 */
export function erasureEventId(subject: SubjectRef, erasure: number): string {
  const digest = createHash('sha256').update(`${subject.type}\u0000${subject.id}`).digest('hex').slice(0, 32);
  return `${HUB_SOURCE}:subject-forgotten:${digest}:${erasure}`;
}

/**
 * Forgets a subject: destroys its keys in the vault (from then on every read of
 * its personal fields says "[erased]"), then records the erasure in the log,
 * where the entity view erases the opened values it holds. Both steps are
 * idempotent, and the second is repeated when the first was already done, so
 * a crash between them is repaired by asking again.
 */
@Injectable()
export class SubjectErasure {
  constructor(
    @Inject(KEY_VAULT) private readonly keys: KeyVault,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CONTRACT_REGISTRY) private readonly registry: ContractRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
    private readonly recorder: HubEventRecorder,
  ) {}

  async forget(subject: SubjectRef, by: string): Promise<ErasureReport> {
    const outcome = await this.keys.forget(subject, this.clock.now().toISOString(), by);
    if (outcome.status === 'unknown') {
      throw new NotFoundException(`no personal data of ${subject.type} ${JSON.stringify(subject.id)} is held: the key vault never had a key for it`);
    }
    const erasedFields = personalPathsForSubjectType(this.registry, subject.type);
    const event = await this.record(subject, outcome, erasedFields);
    // Refused inputs are kept raw; those that name the subject lose their personal fields too (asking again catches later ones).
    const quarantinedInputsErased = await this.quarantine.eraseSubject(subject, (input) => {
      const data = input.data;
      return data !== null && typeof data === 'object' && !Array.isArray(data) ? { ...input, data: erasePersonalFields(data as Record<string, unknown>, erasedFields) } : input;
    });
    return {
      subject,
      status: outcome.status,
      erasure: outcome.erasure,
      forgottenAt: outcome.at,
      requestedBy: outcome.by,
      keyGenerations: outcome.generations,
      erasedFields,
      event,
      quarantinedInputsErased,
    };
  }

  private async record(subject: SubjectRef, erasure: Erasure, erasedFields: readonly string[]): Promise<{ id: string; position: number }> {
    const id = erasureEventId(subject, erasure.erasure);
    const stored = await this.store.getEvent(id);
    if (stored) return { id, position: stored.position };
    const recorded = await this.recorder.recordOne('privacy', {
      id,
      type: SUBJECT_FORGOTTEN,
      subject: { type: subject.type, id: subject.id },
      occurredAt: erasure.at,
      actor: { type: 'api-key', id: erasure.by },
      data: { erasure: erasure.erasure, keyGenerations: erasure.generations, erasedFields: [...erasedFields] },
    });
    return { id, position: recorded.position };
  }
}
