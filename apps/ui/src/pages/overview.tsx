import { useRef } from 'preact/hooks';
import { ingestionCounters, type IngestionCounters } from '../api/metrics';
import { projections, type ProjectionStatus } from '../api/projections';
import { reconciliationSummary, RECONCILIATION_KINDS } from '../api/reconciliation';
import { stuckFlows } from '../api/flows';
import { HUB_SOURCE } from '../api/streams';
import { hubStatus, quarantineGrowth, type Severity } from '../api/status';
import { useSession } from '../components/context';
import { TableHead } from '../components/table-head';
import { useRemote } from '../components/hooks';
import { LineChart, seriesColour } from '../components/line-chart';
import { SeverityBadge } from '../components/severity';
import { Empty, RemoteView } from '../components/states';
import { formatAgo, formatCount, formatDuration, formatRate } from '../logic/format';
import { RateHistory } from '../logic/rates';
import { href } from '../logic/router';

/** How often the overview refreshes itself (no reload, no server push needed). */
export const POLL_MS = 3000;

export function OverviewPage() {
  const { api } = useSession();
  const status = useRemote(() => hubStatus(api), [api], POLL_MS);
  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <p class="updated" aria-live="off">
          {status.state === 'ready' ? `Live: refreshed every ${POLL_MS / 1000} s` : ''}
        </p>
      </div>
      <RemoteView remote={status} loading="Asking the hub what needs attention…">
        {(s) => (
          <section class={`banner sev-${s.severity}`} aria-labelledby="status-title" data-testid="hub-status">
            <h2 id="status-title">
              Hub status <SeverityBadge severity={s.severity} />
            </h2>
            {s.attention.length === 0 ? <p>Nothing needs attention.</p> : (
              <ul>
                {s.attention.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            )}
          </section>
        )}
      </RemoteView>
      <div class="grid">
        <IngestionCard />
        <ProjectionsCard />
        <QuarantineCard severity={status.data?.sections.quarantine?.severity} growth={status.data ? quarantineGrowth(status.data) : undefined} />
        <ReconciliationCard />
        <FlowsCard />
      </div>
    </>
  );
}

function IngestionCard() {
  const { api } = useSession();
  const history = useRef(new RateHistory(60));
  const counters = useRemote(() => ingestionCounters(api), [api], POLL_MS);
  const seen = useRef<IngestionCounters | undefined>(undefined);
  if (counters.state === 'ready' && counters.data !== seen.current) {
    seen.current = counters.data;
    history.current.add({ at: counters.data.at, totals: counters.data.received });
  }
  return (
    <section class="card wide" aria-labelledby="ingestion-title">
      <h2 id="ingestion-title">Ingestion rate by source</h2>
      <RemoteView remote={counters} loading="Reading the hub's counters…">
        {(c) => {
          const sources = [...new Set([...Object.keys(c.received), ...history.current.series()])].sort();
          if (sources.length === 0) return <Empty title="No events received since the hub started">Events appear here as connectors publish them.</Empty>;
          const points = history.current.history();
          const latest = history.current.latest();
          return (
            <>
              {points.length === 0 ? (
                <p class="hint">Measuring: the first rate appears after the next refresh.</p>
              ) : (
                <LineChart title="Events received per second" series={sources.map((name) => ({ name, points: points.map((p) => ({ at: p.at, value: p.rates[name] ?? 0 })) }))} />
              )}
              <table data-testid="ingestion-table">
                <caption class="visually-hidden">Events by source since the hub started</caption>
                <TableHead columns={['Source', '#Now', '#Received', '#Stored', '#Refused']} />
                <tbody>
                  {sources.map((source, i) => (
                    <tr key={source}>
                      <th scope="row">
                        <span class="swatch" style={{ background: seriesColour(i) }} aria-hidden="true" />
                        {source}
                        {source === HUB_SOURCE ? <span class="muted"> (the hub's own records)</span> : null}
                      </th>
                      <td class="num">{latest ? formatRate(latest.rates[source] ?? 0) : '…'}</td>
                      <td class="num" data-testid={`received-${source}`}>{formatCount(c.received[source] ?? 0)}</td>
                      <td class="num">{formatCount(c.appended[source] ?? 0)}</td>
                      <td class="num">
                        {(c.rejected[source] ?? 0) > 0 ? <a href={href('quarantine', [], { source: source === 'invalid' ? undefined : source })}>{formatCount(c.rejected[source]!)}</a> : '0'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p class="hint">Counted since the hub process started (from /metrics).</p>
            </>
          );
        }}
      </RemoteView>
    </section>
  );
}

function projectionSeverity(p: ProjectionStatus): Severity {
  if (p.state === 'failed') return 'critical';
  if (p.lagSeconds > 60) return 'warning';
  return 'ok';
}

function ProjectionsCard() {
  const { api } = useSession();
  const remote = useRemote(() => projections(api), [api], POLL_MS);
  return (
    <section class="card" aria-labelledby="projections-title">
      <h2 id="projections-title">Projection lag</h2>
      <RemoteView remote={remote} loading="Reading projection checkpoints…">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No projections run in this hub" />
          ) : (
            <table data-testid="projections-table">
              <TableHead columns={['Projection', 'State', '#Behind', '#Lag']} />
              <tbody>
                {list.map((p) => (
                  <tr key={p.name} class={`row-sev-${projectionSeverity(p)}`}>
                    <th scope="row">{p.name}</th>
                    <td>
                      <SeverityBadge severity={projectionSeverity(p)} /> {p.state}
                      {p.rebuild ? ` (${Math.round((100 * p.rebuild.processed) / Math.max(1, p.rebuild.total))}%)` : ''}
                      {p.lastError ? <div class="error-text">stopped at position {p.lastError.position}: {p.lastError.message}</div> : null}
                    </td>
                    <td class="num">{formatCount(p.lagEvents)} events</td>
                    <td class="num">{formatDuration(p.lagSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </RemoteView>
    </section>
  );
}

function QuarantineCard({ growth, severity }: { growth: ReturnType<typeof quarantineGrowth>; severity: Severity | undefined }) {
  return (
    <section class="card" aria-labelledby="quarantine-title">
      <h2 id="quarantine-title">
        Quarantine {severity ? <SeverityBadge severity={severity} /> : null}
      </h2>
      {!growth ? (
        <p class="hint">Waiting for the hub status…</p>
      ) : (
        <>
          <dl class="figures" data-testid="quarantine-figures">
            <div>
              <dt>Open</dt>
              <dd>
                <a href={href('quarantine', [], { status: 'open' })}>{formatCount(growth.open)}</a>
              </dd>
            </div>
            <div>
              <dt>New, last hour</dt>
              <dd>{formatCount(growth.newLastHour)}</dd>
            </div>
            <div>
              <dt>New, last 24 h</dt>
              <dd>{formatCount(growth.newLast24h)}</dd>
            </div>
            <div>
              <dt>Resolved, last hour</dt>
              <dd>{formatCount(growth.resolvedLastHour)}</dd>
            </div>
          </dl>
          <p>
            <a href={href('quarantine', [], { status: 'open' })}>Review the open quarantine →</a>
          </p>
        </>
      )}
    </section>
  );
}

function ReconciliationCard() {
  const { api } = useSession();
  const remote = useRemote(() => reconciliationSummary(api), [api], POLL_MS);
  return (
    <section class="card" aria-labelledby="recon-title" data-testid="recon-card">
      <h2 id="recon-title">Open reconciliation items</h2>
      <RemoteView remote={remote} loading="Reading the reconciliation summary…" feature="Reconciliation">
        {(summary) => (
          <dl class="figures">
            {RECONCILIATION_KINDS.map((kind) => {
              const count = summary[kind] ?? 0;
              return (
                <div key={kind} class={count > 0 ? 'sev-critical-text' : ''}>
                  <dt>{kind}</dt>
                  <dd>
                    <a href={href('reconciliation', [], { kind, status: 'open' })}>{formatCount(count)}</a>
                  </dd>
                </div>
              );
            })}
            <div>
              <dt>pending (in grace)</dt>
              <dd>
                <a href={href('reconciliation', [], { status: 'pending' })}>{formatCount(summary.pending)}</a>
              </dd>
            </div>
            <div>
              <dt>matched entities</dt>
              <dd>{formatCount(summary.matched)}</dd>
            </div>
          </dl>
        )}
      </RemoteView>
    </section>
  );
}

function FlowsCard() {
  const { api } = useSession();
  const remote = useRemote(() => stuckFlows(api, { limit: 5 }), [api], POLL_MS);
  return (
    <section class="card" aria-labelledby="flows-title" data-testid="flows-card">
      <h2 id="flows-title">Overdue flows</h2>
      <RemoteView remote={remote} loading="Looking for overdue flows…" feature="Stuck-flow detection">
        {(page) =>
          page.items.length === 0 ? (
            <Empty title="No flow is overdue" />
          ) : (
            <ul class="plain">
              {page.items.map((flow) => (
                <li key={flow.id} class="sev-warning-text">
                  <a href={href('entity', [flow.entity.type, flow.entity.id])}>
                    {flow.entity.type} {flow.entity.id}
                  </a>{' '}
                  — {flow.description ?? flow.rule}: expected {formatAgo(flow.expectedBy)}, overdue {flow.overdueFor}
                </li>
              ))}
            </ul>
          )
        }
      </RemoteView>
      <p>
        <a href={href('flows')}>All overdue flows →</a>
      </p>
    </section>
  );
}
