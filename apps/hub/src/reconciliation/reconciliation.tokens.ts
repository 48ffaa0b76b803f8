/** The reconciliation rules the hub was started with (validated at start-up). */
export const RECONCILIATION_RULES = Symbol('ReconciliationRules');
