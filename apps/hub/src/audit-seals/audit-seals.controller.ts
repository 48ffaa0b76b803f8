import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { EVENT_STORE, type EventStore } from '@concord/event-store';
import { LogSealer, NothingToSealError, SEAL_STORE, SealsTamperedError, type Seal, type SealKey, type SealStore } from '@concord/audit';
import { Roles } from '../access/route-access';
import { MAX_PAGE_LIMIT } from '../http/query-params';
import { readBody } from '../http/read-body';
import { RefusedBody } from '../ingest/ingest-body';
import { SealFeed } from './seal-feed';
import { VerifyRuns, type VerifyRun } from './verify-runs';

export class SealPageParams {
  @IsOptional() @Type(() => Number) @IsInt({ message: 'after must be a seal number (integer ≥ 0)' }) @Min(0) @Max(Number.MAX_SAFE_INTEGER)
  after = 0;

  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(MAX_PAGE_LIMIT, { message: `limit must not exceed ${MAX_PAGE_LIMIT}` })
  limit = 100;
}

class NoBody {}

/** These POSTs take no input: an absent body or `{}`; anything else is refused like any bad body. */
function expectNoInput(body: unknown): void {
  if (body === undefined || body === null) return;
  // unparsable, too deep, wrong media type: refused with the reason the other routes give
  if (body instanceof RefusedBody) readBody(NoBody, body);
  if (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', reason: 'invalid-body', message: 'this request takes no body (or {})' });
}

@ApiTags('audit')
@Controller('v1/audit')
export class AuditSealsController {
  constructor(
    private readonly sealer: LogSealer,
    private readonly feed: SealFeed,
    private readonly verifications: VerifyRuns,
    @Inject(SEAL_STORE) private readonly seals: SealStore,
    @Inject('SEAL_KEY') private readonly key: SealKey,
    @Inject(EVENT_STORE) private readonly log: EventStore,
  ) {}

  @Get('public-key')
  @Roles('auditor')
  @ApiOperation({
    summary: 'The Ed25519 public key seals are signed with (PEM and raw base64), and its key id',
    description: 'Keep a copy out of the hub: tools/verify-bundle.mjs checks an export against it, so the check does not rest on the hub’s word.',
  })
  publicKey() {
    const raw = this.key.publicKey.export({ format: 'der', type: 'spki' });
    return { keyId: this.key.keyId, algorithm: 'Ed25519', publicKeyPem: this.key.publicKey.export({ format: 'pem', type: 'spki' }).toString(), publicKeyBase64: raw.subarray(raw.length - 32).toString('base64') };
  }

  @Get('seals')
  @Roles('auditor')
  @ApiOperation({
    summary: 'The seals, oldest first (after=<seq>, limit ≤ 500), and the sealer’s state',
    description: 'Each seal: seq, position, events, digest (the log digest at position), sealedAt, keyId, signature (base64 Ed25519 over the canonical JSON of the other fields and format "concord-seal/1").',
  })
  async list(@Query() params: SealPageParams): Promise<{ seals: Seal[]; nextAfter?: number; sealer: Record<string, unknown> }> {
    const seals = await this.seals.list(params.after, params.limit);
    const status = await this.sealer.status().catch((error: unknown) => {
      if (error instanceof SealsTamperedError) return { sealEveryEvents: 0, recordedUpTo: 0, lastSeal: undefined, tampered: error.message };
      throw error;
    });
    const head = await this.log.headPosition();
    const halted = this.feed.halted ?? ('tampered' in status ? { message: status.tampered } : undefined);
    return {
      seals,
      ...(seals.length === params.limit ? { nextAfter: seals.at(-1)!.seq } : {}),
      sealer: {
        sealEveryEvents: status.sealEveryEvents,
        recordedUpTo: status.recordedUpTo,
        headPosition: head,
        lag: Math.max(0, head - (status.lastSeal?.position ?? 0)),
        lastSeq: status.lastSeal?.seq ?? 0,
        ...(halted ? { halted } : {}),
      },
    };
  }

  @Post('seals')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Seal the log now: sign the log digest at the head',
    description: 'Answers {seal, created}: created false when the head is sealed already (nothing new to sign). 409 when the log is empty.',
  })
  async sealNow(@Body() body: unknown): Promise<{ seal: Seal; created: boolean }> {
    expectNoInput(body);
    try {
      return await this.sealer.sealNow();
    } catch (error) {
      if (error instanceof NothingToSealError) throw new ConflictException({ statusCode: 409, reason: 'nothing-to-seal', message: error.message });
      if (error instanceof SealsTamperedError) throw new ConflictException({ statusCode: 409, reason: 'seals-tampered', message: error.message });
      throw error;
    }
  }

  @Get('verify')
  @Roles('auditor')
  @ApiOperation({ summary: 'The latest verification run started with POST (state idle, running with progress, ok, broken with the first broken link, or failed)' })
  verifyStatus(): VerifyRun {
    return this.verifications.current();
  }

  @Post('verify')
  @HttpCode(202)
  @Roles('auditor')
  @ApiOperation({
    summary: 'Start verifying every stream chain and the log digest against the seals (one run at a time; follow it with GET)',
    description: 'The same check as npm run concord -- verify, against the hub’s own public key.',
  })
  startVerify(@Body() body: unknown): VerifyRun {
    expectNoInput(body);
    return this.verifications.start();
  }
}
