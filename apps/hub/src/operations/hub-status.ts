import { Injectable } from '@nestjs/common';
import type { Registry } from 'prom-client';

export type Severity = 'ok' | 'warning' | 'critical';
const RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2 };

export function worst(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/** One section of `GET /v1/status`. */
export interface StatusSection {
  readonly severity: Severity;
  /** One sentence an operator can act on. */
  readonly summary: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export type Pressure =
  | { readonly overloaded: false }
  | { readonly overloaded: true; readonly reason: string; readonly retryAfterSeconds: number; readonly statusCode?: 429 | 503 };

/**
 * The extension point for operations. A capability (event log, quarantine,
 * and later projections, reconciliation, stuck flows, Kafka) registers one
 * contributor with `HubStatusRegistry.register` (e.g. in `onModuleInit`) and
 * then appears in `GET /v1/status`, `GET /metrics`, `GET /health/ready` and in
 * ingestion backpressure, without any edit to the operations module.
 */
export interface HubStatusContributor {
  /** Section name in `/v1/status`, e.g. `projections`. Unique. */
  readonly name: string;
  status?(): Promise<StatusSection>;
  /** Not ready takes the hub out of a load balancer (`/health/ready` answers 503 with the reason). */
  readiness?(): Promise<Readiness>;
  /** Asked before every ingestion request; must be cheap and synchronous. */
  ingestionPressure?(): Pressure;
  /** Called once with the hub's metrics registry. */
  registerMetrics?(registry: Registry): void;
}

@Injectable()
export class HubStatusRegistry {
  private readonly contributors: HubStatusContributor[] = [];
  private readonly metricsListeners: Array<(contributor: HubStatusContributor) => void> = [];

  register(contributor: HubStatusContributor): void {
    if (this.contributors.some((c) => c.name === contributor.name)) throw new Error(`a status contributor named ${contributor.name} is registered already`);
    this.contributors.push(contributor);
    for (const listener of this.metricsListeners) listener(contributor);
  }

  all(): readonly HubStatusContributor[] {
    return this.contributors;
  }

  /** For the metrics service: told about contributors registered before and after it. */
  onRegister(listener: (contributor: HubStatusContributor) => void): void {
    this.metricsListeners.push(listener);
    for (const contributor of this.contributors) listener(contributor);
  }

  /** The first contributor that says ingestion must wait, if any. */
  pressure(): Extract<Pressure, { overloaded: true }> | undefined {
    for (const contributor of this.contributors) {
      const pressure = contributor.ingestionPressure?.();
      if (pressure?.overloaded) return pressure;
    }
    return undefined;
  }
}
