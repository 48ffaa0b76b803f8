import { useState } from 'preact/hooks';
import { storedEvent } from '../api/events';
import { itemLabel, listReconciliation, reconciliationItem, RECONCILIATION_KINDS, type ReconciliationFilter, type ReconciliationItem, type ReconciliationKind } from '../api/reconciliation';
import { useSession } from '../components/context';
import { DownloadCsv } from '../components/download';
import { useCursorPager, useRemote } from '../components/hooks';
import { JsonView } from '../components/json-view';
import { Pager } from '../components/pager';
import { Empty, RemoteView } from '../components/states';
import { showValue } from '../logic/fields';
import { formatAgo, formatTime, fromLocalInput } from '../logic/format';
import { href } from '../logic/router';

const PAGE = 25;
const STATUSES = ['open', 'pending', 'resolved', 'cleared', 'all'] as const;

function filterOf(query: URLSearchParams): ReconciliationFilter {
  const kind = query.get('kind');
  const status = query.get('status');
  return {
    ...(query.get('entity') ? { entity: query.get('entity')! } : {}),
    ...(kind && (RECONCILIATION_KINDS as readonly string[]).includes(kind) ? { kind: kind as ReconciliationKind } : {}),
    status: status && (STATUSES as readonly string[]).includes(status) ? (status as ReconciliationFilter['status']) : 'open',
  };
}

export function ReconciliationPage({ itemId, query }: { itemId?: string; query: URLSearchParams }) {
  const { api } = useSession();
  const filter = filterOf(query);
  const key = JSON.stringify(filter);
  const pager = useCursorPager(key);
  const remote = useRemote(() => listReconciliation(api, filter, { limit: PAGE, ...(pager.cursor ? { cursor: pager.cursor } : {}) }), [api, key, pager.cursor]);
  return (
    <>
      <div class="page-head">
        <h1>Reconciliation</h1>
        <p>Where systems disagree about the same entity, are missing it, or hold it twice.</p>
      </div>
      <ReconciliationFilters filter={filter} />
      <WindowReport entity={filter.entity} />
      <RemoteView
        remote={remote}
        loading="Reading the reconciliation report…"
        feature="Reconciliation"
        unavailable={
          <>
            The reconciliation API (<code>GET /v1/reconciliation</code>) is not on this hub yet. Meanwhile the <a href={href('entity', ['order'])}>entity pages</a> compare each system's raw values side by side.
          </>
        }
      >
        {(page) => (
          <>
            <section class="card" aria-label="Summary">
              <dl class="figures">
                {RECONCILIATION_KINDS.map((kind) => (
                  <div key={kind} class={(page.summary[kind] ?? 0) > 0 ? 'sev-critical-text' : ''}>
                    <dt>{kind}</dt>
                    <dd>{page.summary[kind] ?? 0}</dd>
                  </div>
                ))}
                <div>
                  <dt>pending</dt>
                  <dd>{page.summary.pending}</dd>
                </div>
                <div>
                  <dt>matched</dt>
                  <dd>{page.summary.matched}</dd>
                </div>
              </dl>
              <p class="hint">
                {page.summary.entities} entities compared under rules {page.rulesVersion}. Pending: disagreeing for less than the grace period (eventual consistency).
              </p>
            </section>
            <div class={itemId ? 'split' : ''}>
              <section class="card" aria-labelledby="items-title">
                <h2 id="items-title">
                  Items <DownloadCsv path="/v1/reconciliation" query={{ ...filter }} filename="reconciliation.csv" label="Export CSV" />
                </h2>
                {page.items.length === 0 ? (
                  <Empty title="No item matches">{filter.status === 'open' ? 'All systems agree (or disagreements are still within their grace period).' : 'Change the filters.'}</Empty>
                ) : (
                  <>
                    <ItemsTable items={page.items} selected={itemId} query={query} />
                    <Pager label="Reconciliation items" page={pager.page} hasNext={!!page.nextCursor} onNext={() => page.nextCursor && pager.next(page.nextCursor)} onPrevious={pager.previous} />
                  </>
                )}
              </section>
              {itemId ? <ItemDetail key={itemId} itemId={itemId} /> : null}
            </div>
          </>
        )}
      </RemoteView>
    </>
  );
}

/**
 * The report for a time window (`GET /v1/reconciliation/report`): every disagreement episode pending or open
 * inside it, with its status at the window's end; for auditors and hand-overs. Empty fields: the hub's
 * default window, the last 24 hours.
 */
function WindowReport({ entity }: { entity?: string }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  return (
    <section class="card filters" aria-labelledby="window-title">
      <h2 id="window-title" class="grow-row">
        Report for a time window
      </h2>
      <div class="field">
        <label for="w-from">From (your local time; empty: 24 h before the end)</label>
        <input id="w-from" type="datetime-local" step={1} value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="w-to">To (empty: now)</label>
        <input id="w-to" type="datetime-local" step={1} value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
      </div>
      <DownloadCsv
        path="/v1/reconciliation/report"
        query={{ from: fromLocalInput(from), to: fromLocalInput(to), entity }}
        filename="reconciliation-report.csv"
        label={`Download the window report${entity ? ` (${entity})` : ''}`}
      />
    </section>
  );
}

function ReconciliationFilters({ filter }: { filter: ReconciliationFilter }) {
  const [entity, setEntity] = useState(filter.entity ?? '');
  const [kind, setKind] = useState<string>(filter.kind ?? '');
  const [status, setStatus] = useState<string>(filter.status ?? 'open');
  return (
    <form
      class="card filters"
      aria-label="Filter the report"
      onSubmit={(e) => {
        e.preventDefault();
        location.hash = href('reconciliation', [], { entity: entity.trim(), kind, status });
      }}
    >
      <div class="field">
        <label for="r-entity">Entity type</label>
        <input id="r-entity" value={entity} onInput={(e) => setEntity((e.target as HTMLInputElement).value)} placeholder="any" />
      </div>
      <div class="field">
        <label for="r-kind">Kind</label>
        <select id="r-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          {RECONCILIATION_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="r-status">Status</label>
        <select id="r-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="secondary">
        Apply filters
      </button>
    </form>
  );
}

function ItemsTable({ items, selected, query }: { items: readonly ReconciliationItem[]; selected?: string; query: URLSearchParams }) {
  const sources = [...new Set(items.flatMap((i) => Object.keys(i.values)))].sort();
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Entity</th>
            <th scope="col">Kind</th>
            <th scope="col">Field</th>
            {sources.map((s) => (
              <th scope="col" key={s}>
                {s}
              </th>
            ))}
            <th scope="col">Since</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} class={item.id === selected ? 'row-selected' : item.status === 'open' ? 'row-disagree' : ''}>
              <th scope="row">
                <a href={href('reconciliation', [item.id], Object.fromEntries(query))}>{itemLabel(item)}</a>
              </th>
              <td>
                <span class="chip">{item.kind}</span>
                {item.reason === 'unmapped' ? <span class="chip">unmapped: {(item.unmapped ?? []).join(', ')}</span> : null}
              </td>
              <td>{item.field ?? '—'}</td>
              {sources.map((s) => (
                <td key={s}>{showValue(item.values[s])}</td>
              ))}
              <td>{formatAgo(item.since)}</td>
              <td>
                <span class={`badge ${item.status === 'open' ? 'sev-critical' : item.status === 'pending' ? 'sev-warning' : 'sev-ok'}`}>{item.status}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ItemDetail({ itemId }: { itemId: string }) {
  const { api } = useSession();
  const remote = useRemote(() => reconciliationItem(api, itemId), [api, itemId]);
  return (
    <section class="card detail" aria-labelledby="item-title">
      <h2 id="item-title">Item {itemId}</h2>
      <RemoteView remote={remote} loading="Loading the item…" feature="Reconciliation items">
        {(item) => (
          <>
            {item.subject ? (
              <p>
                <a href={href('entity', [item.subject.type, item.subject.id])}>
                  Open {item.subject.type} {item.subject.id} side by side →
                </a>
              </p>
            ) : (
              <p>
                {item.source} holds these {item.entityType} entities with one natural key: {showValue(item.values[item.source ?? ''])}
              </p>
            )}
            <dl class="facts">
              {Object.entries(item.values).map(([source, value]) => (
                <div key={source}>
                  <dt>{source}</dt>
                  <dd>
                    {showValue(value)}
                    {item.canonical && item.canonical[source] !== undefined && item.canonical[source] !== value ? ` (≙ ${item.canonical[source] === null ? 'unmapped' : showValue(item.canonical[source])})` : ''}
                  </dd>
                </div>
              ))}
              <div>
                <dt>Status</dt>
                <dd>
                  {item.status} (episode {item.episode})
                </dd>
              </div>
              <div>
                <dt>Since</dt>
                <dd>{formatTime(item.since)}</dd>
              </div>
              <div>
                <dt>Grace ends</dt>
                <dd>{formatTime(item.dueAt)}</dd>
              </div>
            </dl>
            {item.history.length > 0 ? (
              <>
                <h3>History</h3>
                <ol class="plain">
                  {item.history.map((h, i) => (
                    <li key={i}>
                      {formatTime(h.at)}: <strong>{h.change}</strong> (episode {h.episode}) by event {h.eventId}
                    </li>
                  ))}
                </ol>
              </>
            ) : null}
            <h3>Evidence</h3>
            {item.evidence.length === 0 ? <p class="muted">No events are named as evidence.</p> : <ul class="plain">{item.evidence.map((id) => <Evidence key={id} eventId={id} />)}</ul>}
          </>
        )}
      </RemoteView>
    </section>
  );
}

function Evidence({ eventId }: { eventId: string }) {
  const { api } = useSession();
  const [open, setOpen] = useState(false);
  const remote = useRemote(() => (open ? storedEvent(api, eventId) : Promise.resolve(undefined)), [api, eventId, open]);
  return (
    <li>
      <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
        {eventId}
      </button>
      {open ? <RemoteView remote={remote} loading="Loading the event…">{(details) => (details ? <JsonView text={JSON.stringify(details.event)} label={`Event ${eventId}`} /> : null)}</RemoteView> : null}
    </li>
  );
}
