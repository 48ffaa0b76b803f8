import type { Severity, StatusSection } from '../../../hub/src/operations/hub-status';
import type { Api } from './http';

export type { Severity, StatusSection } from '../../../hub/src/operations/hub-status';

/** `GET /v1/status`: one severity and a section per capability. */
export interface HubStatus {
  readonly severity: Severity;
  readonly at: string;
  readonly attention: readonly string[];
  readonly sections: Readonly<Record<string, StatusSection>>;
}

export interface QuarantineGrowth {
  readonly open: number;
  readonly newLastHour: number;
  readonly newLast24h: number;
  readonly resolvedLastHour: number;
}

export const hubStatus = (api: Api): Promise<HubStatus> => api.get<HubStatus>('/v1/status');

/** The quarantine section's figures, or undefined when the hub does not report them. */
export function quarantineGrowth(status: HubStatus): QuarantineGrowth | undefined {
  const details = status.sections.quarantine?.details;
  if (!details) return undefined;
  const n = (key: string) => (typeof details[key] === 'number' ? (details[key] as number) : 0);
  return { open: n('open'), newLastHour: n('newLastHour'), newLast24h: n('newLast24h'), resolvedLastHour: n('resolvedLastHour') };
}
