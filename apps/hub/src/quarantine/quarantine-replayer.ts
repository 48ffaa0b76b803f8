import { Inject, Injectable, Optional } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Principal } from '@concord/access';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@concord/common';
import { HUB_SOURCE } from '@concord/contracts';
import { QUARANTINE_STORE, type QuarantineEntry, type QuarantineStatus, type QuarantineStore, type ReplayAttempt } from '@concord/quarantine';
import { HubEventRecorder } from '../hub-events/hub-event-recorder';
import { IngestEventsCommand, type IngestResult } from '../ingest/ingest-events.command';
import { WebhookIntake } from '../webhooks/webhook-intake';

export interface ReplayReport {
  readonly quarantineId: string;
  /** The entry's status after this attempt. */
  readonly status: QuarantineStatus;
  readonly attempt: ReplayAttempt;
}

type Candidate = { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly reason: string; readonly message: string };

/**
 * Re-runs a quarantined input through today's validation (after a contract,
 * mapping or secret fix), or an admin's corrected payload instead of it.
 * Replays go through the same ingest command as every delivery, so an event id
 * stored before is a duplicate, never a second event. Each attempt is kept on
 * the entry and appended to the log as a `quarantine.replayed` event.
 */
@Injectable()
export class QuarantineReplayer {
  constructor(
    private readonly commands: CommandBus,
    private readonly recorder: HubEventRecorder,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() private readonly webhooks?: WebhookIntake,
  ) {}

  async replay(entry: QuarantineEntry, by: Principal, correctedPayload?: Record<string, unknown>): Promise<ReplayReport> {
    const attemptId = this.ids.next('replay');
    const at = this.clock.now().toISOString();
    const candidate = correctedPayload !== undefined ? { ok: true as const, payload: correctedPayload } : this.candidateOf(entry);
    let result: { outcome: ReplayAttempt['outcome']; eventId?: string; position?: number; reason?: string; message?: string };
    if (!candidate.ok) {
      result = { outcome: 'rejected', reason: candidate.reason, message: candidate.message };
    } else {
      const [ingested] = (await this.commands.execute(
        new IngestEventsCommand([{ payload: candidate.payload, transport: { kind: 'replay', quarantineId: entry.id, credential: by.keyId }, replayOf: entry.id }]),
      )) as IngestResult[];
      result =
        ingested!.status === 'rejected'
          ? { outcome: 'rejected', reason: ingested!.reason, message: ingested!.message, ...(ingested!.id ? { eventId: ingested!.id } : {}) }
          : { outcome: ingested!.status, eventId: ingested!.id, position: ingested!.position };
    }
    const auditEventId = await this.recordInLog(entry.id, attemptId, at, by, result, correctedPayload !== undefined);
    const attempt: ReplayAttempt = {
      id: attemptId,
      at,
      by: by.keyId,
      ...result,
      ...(correctedPayload !== undefined ? { correctedPayload: JSON.stringify(correctedPayload) } : {}),
      auditEventId,
    };
    const updated = await this.quarantine.recordReplay(entry.id, attempt);
    return { quarantineId: entry.id, status: updated?.status ?? entry.status, attempt };
  }

  private candidateOf(entry: QuarantineEntry): Candidate {
    const webhook = this.webhooks?.prepareReplay(entry);
    if (webhook) return webhook.ok ? { ok: true, payload: webhook.envelope } : webhook;
    try {
      return { ok: true, payload: JSON.parse(entry.raw) as unknown };
    } catch (error) {
      return { ok: false, reason: 'malformed-json', message: `the stored input is not JSON (${(error as Error).message}); submit a corrected payload` };
    }
  }

  private async recordInLog(
    quarantineId: string,
    attemptId: string,
    at: string,
    by: Principal,
    result: { outcome: string; eventId?: string; position?: number; reason?: string },
    corrected: boolean,
  ): Promise<string> {
    const recorded = await this.recorder.recordOne('quarantine-replay', {
      id: `${HUB_SOURCE}:quarantine-replay:${attemptId}`,
      type: 'quarantine.replayed',
      subject: { type: 'quarantine', id: quarantineId },
      occurredAt: at,
      actor: { type: 'api-key', id: by.keyId },
      data: {
        quarantineId,
        attemptId,
        outcome: result.outcome,
        corrected,
        ...(result.eventId !== undefined ? { eventId: result.eventId } : {}),
        ...(result.position !== undefined ? { position: result.position } : {}),
        ...(result.reason !== undefined ? { reason: result.reason } : {}),
      },
    });
    return recorded.id;
  }
}
