import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { defineContract } from '../contract';

/**
 * The hub's own audit record of one quarantine replay, appended to the log by
 * source `concord` (one stream per quarantine entry: `quarantine-<id>`).
 */
export class QuarantineReplayedV1 {
  @IsString() @Length(1, 200)
  quarantineId!: string;

  @IsString() @Length(1, 200)
  attemptId!: string;

  @IsIn(['appended', 'duplicate', 'rejected'])
  outcome!: 'appended' | 'duplicate' | 'rejected';

  /** True when an admin replaced the stored input with a corrected payload. */
  @IsBoolean()
  corrected!: boolean;

  @IsOptional() @IsString() @Length(1, 200)
  eventId?: string;

  @IsOptional() @IsInt() @Min(1)
  position?: number;

  @IsOptional() @IsString() @Length(1, 64)
  reason?: string;
}

export const quarantineReplayedV1 = defineContract({
  type: 'quarantine.replayed',
  version: 1,
  subjectType: 'quarantine',
  schema: QuarantineReplayedV1,
  description: 'An operator replayed a quarantined input (recorded by the hub itself, source concord).',
});
