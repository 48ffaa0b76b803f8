import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/**
 * Printable text: no control characters. Ids end up in headers, logs and file
 * names, where a CR/LF or NUL would be an injection vector.
 */
export const PRINTABLE_ID = /^[^\u0000-\u001f\u007f]{1,200}$/;
/** Systems that report facts: lower-case slugs. */
export const SOURCE_NAME = /^[a-z0-9-]{1,64}$/;
/**
 * Entity types carry no hyphen: the stream name is `<subject.type>-<subject.id>`,
 * and the first hyphen must separate the two unambiguously.
 */
export const SUBJECT_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
/** ISO-8601 date-time with an explicit zone, so no reader has to guess the offset. */
export const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export interface SubjectRef {
  readonly type: string;
  readonly id: string;
}

export interface ActorRef {
  readonly type: string;
  readonly id: string;
}

/** What a connector sends: one business fact reported by one source system. */
export interface EventEnvelope<TData extends object = Record<string, unknown>> {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly subject: SubjectRef;
  readonly occurredAt: string;
  readonly sourceSequence?: number;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: ActorRef;
  readonly data: TData;
}

export const ENVELOPE_FIELDS = [
  'id',
  'source',
  'type',
  'schemaVersion',
  'subject',
  'occurredAt',
  'sourceSequence',
  'correlationId',
  'causationId',
  'actor',
  'data',
] as const;

export function streamNameOf(subject: SubjectRef): string {
  return `${subject.type}-${subject.id}`;
}

export class SubjectRefDto implements SubjectRef {
  @IsString() @Matches(SUBJECT_TYPE, { message: 'subject.type must match [a-z][a-z0-9_]{0,63} (no hyphen)' })
  type!: string;

  @IsString() @Matches(PRINTABLE_ID, { message: 'subject.id must be 1..200 characters without control characters' })
  id!: string;
}

export class ActorRefDto implements ActorRef {
  @IsString() @Matches(SOURCE_NAME, { message: 'actor.type must match [a-z0-9-]{1,64}' })
  type!: string;

  @IsString() @Matches(PRINTABLE_ID, { message: 'actor.id must be 1..200 characters without control characters' })
  id!: string;
}

/** The envelope as a class-validator DTO: the single source of truth for its rules and its OpenAPI schema. */
export class EventEnvelopeDto {
  @IsString() @Matches(PRINTABLE_ID, { message: 'id must be 1..200 characters without control characters' })
  id!: string;

  @IsString() @Matches(SOURCE_NAME, { message: 'source must match [a-z0-9-]{1,64}' })
  source!: string;

  @IsString() @Matches(/^[a-z][a-z0-9_.-]{0,127}$/, { message: 'type must be a contract name such as order.created' })
  type!: string;

  @IsOptional() @IsInt() @Min(1) @Max(1000)
  schemaVersion?: number;

  @IsDefined() @IsObject() @ValidateNested() @Type(() => SubjectRefDto)
  subject!: SubjectRefDto;

  @IsString()
  @Matches(ZONED_DATE_TIME, { message: 'occurredAt must be an ISO-8601 date-time with a zone, e.g. 2026-11-21T10:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'occurredAt must be a real calendar date-time' })
  occurredAt!: string;

  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER)
  sourceSequence?: number;

  @IsOptional() @IsString() @Matches(PRINTABLE_ID, { message: 'correlationId must be 1..200 characters without control characters' })
  correlationId?: string;

  @IsOptional() @IsString() @Matches(PRINTABLE_ID, { message: 'causationId must be 1..200 characters without control characters' })
  causationId?: string;

  @IsOptional() @IsObject() @ValidateNested() @Type(() => ActorRefDto)
  actor?: ActorRefDto;

  @IsDefined() @IsObject({ message: 'data must be an object' })
  data!: Record<string, unknown>;
}

/** The source name of events the hub itself records (integration events, audit facts). */
export const HUB_SOURCE = 'concord';
