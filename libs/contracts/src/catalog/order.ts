import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { defineContract } from '../contract';
import { MoneyDto } from './money';

/** An order as its source system first reports it. `status` is in that system's own vocabulary. */
export class OrderCreatedV1 {
  @IsString() @Length(1, 200)
  customerId!: string;

  @IsString() @Length(1, 64)
  status!: string;

  @IsDefined() @IsObject() @ValidateNested() @Type(() => MoneyDto)
  total!: MoneyDto;
}

/** A partial update: only the status (and why) changed. */
export class OrderStatusChangedV1 {
  @IsString() @Length(1, 64)
  status!: string;

  @IsOptional() @IsString() @Length(1, 500)
  reason?: string;
}

export const orderCreatedV1 = defineContract({
  type: 'order.created',
  reports: 'full-state',
  version: 1,
  subjectType: 'order',
  schema: OrderCreatedV1,
  description: 'A source system created or first reported an order.',
});

export const orderStatusChangedV1 = defineContract({
  type: 'order.status-changed',
  version: 1,
  subjectType: 'order',
  schema: OrderStatusChangedV1,
  description: "An order's status changed in a source system.",
});
