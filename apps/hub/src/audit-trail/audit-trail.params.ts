import { BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PRINTABLE_ID } from '@concord/contracts';
import { MAX_GAP_MS } from '../config/concord-config';
import { MAX_PAGE_LIMIT } from '../http/query-params';

/** Field paths as the read models address them: dotted segments of letters, digits, _ and -. */
export const FIELD_PATH = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/;

class PageParams {
  @IsOptional() @Type(() => Number) @IsInt({ message: 'limit must be an integer' }) @Min(1) @Max(MAX_PAGE_LIMIT, { message: `limit must not exceed ${MAX_PAGE_LIMIT}` })
  limit = 100;

  @IsOptional() @IsString() @Length(1, 1000)
  cursor?: string;
}

/** Upper bounds in time or log position, as on GET /v1/entities/:type/:id (checked there: one or the other). */
class PointInTimeParams extends PageParams {
  @IsOptional() @IsString()
  asOf?: string;

  @IsOptional() @IsString()
  atPosition?: string;
}

export class EntityHistoryParams extends PointInTimeParams {
  @IsOptional() @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 date-time' })
  since?: string;
}

export class LineageParams extends PointInTimeParams {
  @IsString({ message: 'field is required, e.g. field=total.amount' })
  @Matches(FIELD_PATH, { message: 'field must be a dotted path of letters, digits, _ and - (at most 8 segments), e.g. total.amount' })
  field!: string;
}

export class FlowParams extends PageParams {
  @IsOptional() @Type(() => Number) @IsInt({ message: 'gapMs must be an integer' }) @Min(1) @Max(MAX_GAP_MS, { message: `gapMs must not exceed ${MAX_GAP_MS}` })
  gapMs?: number;
}

export class AccessLogParams extends PageParams {
  @IsOptional() @IsString() @Matches(PRINTABLE_ID, { message: 'principal must be 1..200 characters without control characters' })
  principal?: string;

  @IsOptional() @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 date-time' })
  since?: string;
}

/**
 * Cursors are opaque to callers but checked here: each names what it pages
 * (and for which entity or flow), so one cannot be replayed against another.
 */
export function encodeCursor(scope: string, value: number): string {
  return Buffer.from(JSON.stringify([scope, value])).toString('base64url');
}

export function decodeCursor(scope: string, cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && decoded.length === 2 && decoded[0] === scope && Number.isSafeInteger(decoded[1]) && (decoded[1] as number) >= 0) {
      return decoded[1] as number;
    }
  } catch {
    // refused below
  }
  throw new BadRequestException('cursor is not one this API returned for this listing');
}
