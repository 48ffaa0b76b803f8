import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Min,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { defineContract } from '../contract';

/** Event ids, each 1..200 characters (a custom check, so the compiled validation fast path can run it). */
@ValidatorConstraint({ name: 'eventIds' })
class EventIds implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((id) => typeof id === 'string' && id.length >= 1 && id.length <= 200);
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must list event ids of 1..200 characters`;
  }
}

/**
 * What both reconciliation records say about the item they concern. No field
 * values travel in them (they may be personal data, e.g. an e-mail address);
 * consumers read the values from GET /v1/reconciliation by item id.
 */
class ReconciliationItemRef {
  @IsString() @Length(1, 160)
  itemId!: string;

  @IsIn(['mismatch', 'missing', 'duplicate'])
  kind!: 'mismatch' | 'missing' | 'duplicate';

  @IsString() @Length(1, 64)
  entityType!: string;

  /** mismatch and missing: the entity compared. */
  @IsOptional() @IsString() @Length(1, 200)
  entityId?: string;

  /** mismatch: the compared field. */
  @IsOptional() @IsString() @Length(1, 64)
  field?: string;

  /** duplicate: the source holding two entities with one natural key. */
  @IsOptional() @IsString() @Length(1, 64)
  source?: string;

  /** Names one disagreement of the item: the log position of the event where it began (later episodes, higher numbers). */
  @IsInt() @Min(1)
  episode!: number;

  /** The rules (label@hash) that found it. */
  @IsString() @Length(1, 64)
  rulesVersion!: string;
}

/** A disagreement between source systems outlived its grace period (recorded by the hub, source concord). */
export class ReconciliationItemOpenedV1 extends ReconciliationItemRef {
  @IsISO8601({ strict: true })
  since!: string;

  @IsISO8601({ strict: true })
  dueAt!: string;

  /** The events that set the disagreeing values when the disagreement began. */
  @IsArray() @ArrayMaxSize(50) @Validate(EventIds)
  evidence!: string[];
}

/** The sources agree again on an item that was open (recorded by the hub, source concord). */
export class ReconciliationItemResolvedV1 extends ReconciliationItemRef {
  @IsISO8601({ strict: true })
  resolvedAt!: string;

  /** The event that made the sources agree. */
  @IsString() @Length(1, 200)
  resolvedBy!: string;
}

export const reconciliationItemOpenedV1 = defineContract({
  type: 'reconciliation.item-opened',
  version: 1,
  subjectType: 'reconciliation',
  schema: ReconciliationItemOpenedV1,
  description: 'Source systems disagree (mismatch, missing record or duplicate) for longer than the grace period (recorded by the hub itself, source concord).',
});

export const reconciliationItemResolvedV1 = defineContract({
  type: 'reconciliation.item-resolved',
  version: 1,
  subjectType: 'reconciliation',
  schema: ReconciliationItemResolvedV1,
  description: 'An open reconciliation item resolved because the sources agree again (recorded by the hub itself, source concord).',
});
