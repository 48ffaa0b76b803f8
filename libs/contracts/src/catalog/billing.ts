import { IsISO8601, IsNumber, IsString, Length, Matches } from 'class-validator';
import { defineContract } from '../contract';

export class InvoiceIssuedV1 {
  @IsString() @Length(1, 200)
  orderId!: string;

  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 })
  amount!: number;

  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO-4217 code such as EUR' })
  currency!: string;

  @IsISO8601({ strict: true }, { message: 'dueDate must be an ISO-8601 date' })
  dueDate!: string;
}

export class PaymentReceivedV1 {
  @IsString() @Length(1, 200)
  invoiceId!: string;

  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 })
  amount!: number;

  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO-4217 code such as EUR' })
  currency!: string;
}

export const invoiceIssuedV1 = defineContract({
  type: 'invoice.issued',
  reports: 'full-state',
  version: 1,
  subjectType: 'invoice',
  schema: InvoiceIssuedV1,
  description: 'Billing issued an invoice for an order.',
});

export const paymentReceivedV1 = defineContract({
  type: 'payment.received',
  reports: 'full-state',
  version: 1,
  subjectType: 'payment',
  schema: PaymentReceivedV1,
  description: 'A payment for an invoice arrived.',
});
