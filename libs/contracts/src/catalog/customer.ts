import { IsEmail, IsOptional, IsString, Length } from 'class-validator';
import { defineContract } from '../contract';

/** A customer record as created or updated in a source system (full state, not a diff). */
export class CustomerUpsertedV1 {
  @IsString() @Length(1, 200)
  name!: string;

  @IsOptional() @IsEmail({}, { message: 'email must be an e-mail address' })
  email?: string;

  @IsOptional() @IsString() @Length(1, 50)
  phone?: string;

  @IsOptional() @IsString() @Length(1, 64)
  status?: string;

  @IsOptional() @IsString() @Length(2, 2)
  country?: string;
}

export const customerUpsertedV1 = defineContract({
  type: 'customer.upserted',
  reports: 'full-state',
  version: 1,
  subjectType: 'customer',
  schema: CustomerUpsertedV1,
  description: 'A customer was created or updated in a source system.',
  personalFields: ['name', 'email', 'phone'],
});
