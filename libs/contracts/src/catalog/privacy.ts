import { ArrayMaxSize, IsArray, IsInt, IsString, Length, Min } from 'class-validator';
import { ANY_SUBJECT, defineContract } from '../contract';

/**
 * The hub's own record of an erasure (crypto-shredding), appended by source
 * `concord` to the forgotten subject's own stream, so the subject's audit trail
 * shows when and on whose request its personal data became unreadable.
 */
export class SubjectForgottenV1 {
  /** 1 for the subject's first erasure, 2 if it was forgotten again after new personal data arrived, … */
  @IsInt() @Min(1)
  erasure!: number;

  /** How many of the subject's keys this erasure destroyed. */
  @IsInt() @Min(0)
  keyGenerations!: number;

  /** The personal fields (paths in `data`) that read as "[erased]" from now on, for every contract about this subject type. */
  @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 200, { each: true })
  erasedFields!: string[];
}

export const subjectForgottenV1 = defineContract({
  type: 'subject.forgotten',
  version: 1,
  subjectType: ANY_SUBJECT,
  schema: SubjectForgottenV1,
  description: "A subject's personal data was erased: its keys were destroyed (recorded by the hub itself, source concord).",
});
