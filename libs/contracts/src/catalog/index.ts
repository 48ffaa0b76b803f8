import type { ContractDefinition } from '../contract';
import { invoiceIssuedV1, paymentReceivedV1 } from './billing';
import { customerUpsertedV1 } from './customer';
import { flowClearedV1, flowOverdueV1 } from './flows';
import { quarantineReplayedV1 } from './operations';
import { orderCreatedV1, orderStatusChangedV1 } from './order';
import { reconciliationItemOpenedV1, reconciliationItemResolvedV1 } from './reconciliation';
import { subjectForgottenV1 } from './privacy';

export * from './billing';
export * from './customer';
export * from './flows';
export * from './money';
export * from './operations';
export * from './order';
export * from './reconciliation';
export * from './privacy';

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
  reconciliationItemOpenedV1,
  reconciliationItemResolvedV1,
  flowOverdueV1,
  flowClearedV1,
  subjectForgottenV1,
] as ContractDefinition[];
