import type { ContractDefinition } from '../contract';
import { invoiceIssuedV1, paymentReceivedV1 } from './billing';
import { customerUpsertedV1 } from './customer';
import { quarantineReplayedV1 } from './operations';
import { orderCreatedV1, orderStatusChangedV1 } from './order';

export * from './billing';
export * from './customer';
export * from './money';
export * from './operations';
export * from './order';

/**
 * Every contract the hub accepts, oldest version first. Adding a contract or a
 * new version of one is a file in this folder plus a line here.
 */
export const exampleContracts: readonly ContractDefinition[] = [
  orderCreatedV1,
  orderStatusChangedV1,
  customerUpsertedV1,
  invoiceIssuedV1,
  paymentReceivedV1,
  quarantineReplayedV1,
] as ContractDefinition[];
