import { Type } from 'class-transformer';
import { IsDefined, IsISO8601, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { defineContract } from '../contract';
import { SubjectRefDto } from '../envelope';

/** Flow rule names in config/flows.yaml. */
export const FLOW_RULE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * What both stuck-flow integration events say about the expectation. Every
 * field is derived from the log (never from the clock that noticed it), so a
 * sweeper stating the same fact twice writes an identical event: a duplicate.
 */
class FlowExpectationFacts {
  /** `<rule>/<entity type>/<entity id>` (entity id hashed when that would exceed 180 characters). */
  @IsString() @Length(1, 180)
  expectationId!: string;

  @IsString() @Matches(FLOW_RULE_NAME, { message: 'rule must be a flow rule name ([a-z0-9-], at most 63)' })
  rule!: string;

  /** The entity the flow is about (the subject of the event that started it). */
  @IsDefined() @IsObject() @ValidateNested() @Type(() => SubjectRefDto)
  entity!: SubjectRefDto;

  @IsISO8601({ strict: true }, { message: 'expectedBy must be an ISO-8601 date-time' })
  expectedBy!: string;

  /** The event that started the expectation. */
  @IsString() @Length(1, 200)
  startedBy!: string;
}

export class FlowOverdueV1 extends FlowExpectationFacts {
  /** Why the deadline could not be read from the starting event, when it could not (the flow was due at once). */
  @IsOptional() @IsString() @Length(1, 500)
  problem?: string;
}

export class FlowClearedV1 extends FlowExpectationFacts {
  /** The event that finally met the expectation. */
  @IsString() @Length(1, 200)
  clearedBy!: string;
}

export const flowOverdueV1 = defineContract({
  type: 'flow.overdue',
  version: 1,
  subjectType: 'flow',
  schema: FlowOverdueV1,
  description: 'A flow rule expectation passed its deadline unmet (recorded by the hub itself, source concord; occurredAt is the deadline).',
});

export const flowClearedV1 = defineContract({
  type: 'flow.cleared',
  version: 1,
  subjectType: 'flow',
  schema: FlowClearedV1,
  description: 'An overdue flow expectation was met after all (recorded by the hub itself, source concord; occurredAt is when the meeting event was recorded).',
});
