import { IsNumber, IsString, Matches } from 'class-validator';

export class MoneyDto {
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 6 })
  amount!: number;

  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO-4217 code such as EUR' })
  currency!: string;
}
