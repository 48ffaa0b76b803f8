import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '@concord/common';
import type { Transport } from '@concord/event-store';
import { QUARANTINE_STORE, type QuarantineEntry, type QuarantineStore } from '@concord/quarantine';
import { IngestEventsCommand, type IngestResult } from '../ingest/ingest-events.command';
import { verifyWebhook, type WebhookHeaders } from './standard-webhooks';
import type { WebhookSource } from './webhook-config';
import { mapWebhook } from './webhook-mapping';

export const WEBHOOK_SOURCES = Symbol('WebhookSources');

/** Kept with a quarantined delivery so a replay can verify the signature again. */
const KEPT_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;
/** Marks a kept body that was not UTF-8 and is stored base64-encoded. */
const RAW_ENCODING_HEADER = 'x-concord-raw-encoding';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export type DeliveryFailure = {
  readonly ok: false;
  readonly reason: 'bad-signature' | 'stale-webhook' | 'malformed-json' | 'webhook-mapping-failed';
  readonly message: string;
};
type Resolved = { readonly ok: true; readonly envelope: Record<string, unknown>; readonly credential: string; readonly webhookId: string } | DeliveryFailure;

export type WebhookOutcome =
  | { readonly kind: 'unverified'; readonly reason: 'bad-signature' | 'stale-webhook'; readonly message: string; readonly quarantineId: string }
  | { readonly kind: 'results'; readonly results: readonly IngestResult[] };

function headersOf(kept: Readonly<Record<string, string>>): WebhookHeaders {
  return { id: kept['webhook-id'], timestamp: kept['webhook-timestamp'], signature: kept['webhook-signature'] };
}

function keep(headers: Record<string, string | string[] | undefined>, body: Buffer): { raw: string; headers: Record<string, string> } {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value.length <= 4096) kept[name] = value;
  }
  try {
    return { raw: strictUtf8.decode(body), headers: kept };
  } catch {
    return { raw: body.toString('base64'), headers: { ...kept, [RAW_ENCODING_HEADER]: 'base64' } };
  }
}

function bytesOf(entry: QuarantineEntry): Buffer {
  return entry.headers?.[RAW_ENCODING_HEADER] === 'base64' ? Buffer.from(entry.raw, 'base64') : Buffer.from(entry.raw, 'utf8');
}

/**
 * Signed webhooks in: verify (Standard Webhooks), map to an envelope, and
 * ingest through the same command as every other transport. Whatever cannot
 * become an event is quarantined with the body and signature headers, so it
 * can be replayed once the secret or the mapping is fixed.
 */
@Injectable()
export class WebhookIntake {
  constructor(
    @Inject(WEBHOOK_SOURCES) private readonly sources: ReadonlyMap<string, WebhookSource>,
    private readonly commands: CommandBus,
    @Inject(QUARANTINE_STORE) private readonly quarantine: QuarantineStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  source(name: string): WebhookSource | undefined {
    return this.sources.get(name);
  }

  async receive(source: WebhookSource, delivery: { headers: Record<string, string | string[] | undefined>; body: Buffer; requestId: string }): Promise<WebhookOutcome> {
    const original = keep(delivery.headers, delivery.body);
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const resolved = this.resolve(source, headersOf(original.headers), delivery.body, nowSeconds);
    const webhookId = resolved.ok ? resolved.webhookId : undefined;
    const transport: Transport = {
      kind: 'webhook',
      requestId: delivery.requestId,
      webhookId: webhookId ?? '(unverified)',
      ...(resolved.ok ? { credential: resolved.credential } : {}),
    };
    if (!resolved.ok) {
      const [entry] = await this.quarantine.recordMany([{ reason: resolved.reason, message: resolved.message, raw: original.raw, headers: original.headers, source: source.name, transport }]);
      if (resolved.reason === 'bad-signature' || resolved.reason === 'stale-webhook') {
        return { kind: 'unverified', reason: resolved.reason, message: resolved.message, quarantineId: entry!.id };
      }
      return { kind: 'results', results: [{ index: 0, status: 'rejected', reason: resolved.reason, message: resolved.message, errors: [], quarantineId: entry!.id }] };
    }
    const results: IngestResult[] = await this.commands.execute(new IngestEventsCommand([{ payload: resolved.envelope, transport, original }]));
    return { kind: 'results', results };
  }

  /**
   * For a replay of a quarantined delivery: the stored body and headers are
   * verified against today's secrets (freshness no longer applies) and mapped
   * with today's mapping. Undefined when the entry is not a webhook delivery.
   */
  prepareReplay(entry: QuarantineEntry): { ok: true; envelope: Record<string, unknown> } | DeliveryFailure | undefined {
    if (entry.transport.kind !== 'webhook' || !entry.source || !entry.headers) return undefined;
    const source = this.sources.get(entry.source);
    if (!source) return { ok: false, reason: 'bad-signature', message: `webhook source ${entry.source} is no longer configured` };
    const resolved = this.resolve(source, headersOf(entry.headers), bytesOf(entry), undefined);
    return resolved.ok ? { ok: true, envelope: resolved.envelope } : resolved;
  }

  private resolve(source: WebhookSource, headers: WebhookHeaders, body: Buffer, nowSeconds: number | undefined): Resolved {
    const verdict = verifyWebhook(headers, body, source.keys, nowSeconds);
    if (!verdict.ok) return verdict;
    let payload: unknown;
    try {
      payload = JSON.parse(strictUtf8.decode(body));
    } catch (error) {
      return { ok: false, reason: 'malformed-json', message: `the webhook body is not UTF-8 JSON: ${(error as Error).message}` };
    }
    const mapped = mapWebhook(source.name, verdict.webhookId, payload, source.mappings);
    if (!mapped.ok) return { ok: false, reason: 'webhook-mapping-failed', message: mapped.message };
    return { ok: true, envelope: mapped.envelope, credential: source.credentials[verdict.secretIndex]!, webhookId: verdict.webhookId };
  }
}
