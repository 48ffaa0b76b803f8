import { segment, type Api } from './http';

/**
 * The audit API (issue 5): seals (`GET/POST /v1/audit/seals`), verification over
 * HTTP (`GET/POST /v1/audit/verify`) and the flow view, as the hub's
 * audit-seals and audit-trail controllers answer them.
 */
export interface Seal {
  readonly seq: number;
  readonly position: number;
  readonly digest?: string;
  readonly sealedAt?: string;
  readonly signature?: string;
  readonly keyId?: string;
}

export interface SealsPage {
  readonly seals: readonly Seal[];
  readonly nextAfter?: number;
  readonly sealer?: {
    readonly recordedUpTo?: number;
    readonly headPosition?: number;
    /** Events after the last seal. */
    readonly lag?: number;
    readonly sealEveryEvents?: number;
    /** The newest seal's number: the newest seal is one request away. */
    readonly lastSeq?: number;
    /** Why sealing stopped (a seal could not be written, or the seal file was edited). */
    readonly halted?: { readonly message: string };
  };
}

/** `GET /v1/audit/verify` (latest run) and `POST /v1/audit/verify` (start one). */
export interface VerifyRun {
  readonly state: 'idle' | 'running' | 'ok' | 'broken' | 'failed';
  readonly checked?: number;
  readonly total?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The first broken link when state is broken. */
  readonly broken?: {
    readonly kind?: string;
    readonly position?: number;
    readonly stream?: string;
    readonly revision?: number;
    /** The seal number, when a seal is what does not hold. */
    readonly seal?: number;
    readonly expected?: string;
    readonly found?: string;
    readonly message?: string;
  };
  /** Why a run could not finish (state failed). */
  readonly error?: string;
}

import type { FlowPage, FlowStepView } from '../../../hub/src/audit-trail/flow-audit.queries';

/**
 * `GET /v1/audit/flows/:correlationId`: one flow across entities and systems, in log order. The hub's
 * own types describe it (type-only import: nothing of the hub is bundled), so the two cannot drift apart.
 */
export type FlowStep = FlowStepView;
export type FlowTrail = Omit<FlowPage, 'nextPosition'> & { readonly nextCursor?: string };

/** The newest seals: the hub lists them oldest first, so ask from the end when it says where that is. */
export function seals(api: Api, after = 0, limit = 20): Promise<SealsPage> {
  return api.get<SealsPage>('/v1/audit/seals', { after, limit });
}

export const sealNow = (api: Api) => api.post<{ seal: Seal; created: boolean }>('/v1/audit/seals');

export const verifyStatus = (api: Api) => api.get<VerifyRun>('/v1/audit/verify');

export const startVerify = (api: Api) => api.post<VerifyRun>('/v1/audit/verify');

export function flowTrail(api: Api, correlationId: string, cursor?: string): Promise<FlowTrail> {
  return api.get<FlowTrail>(`/v1/audit/flows/${segment(correlationId)}`, { cursor, limit: 50 });
}
