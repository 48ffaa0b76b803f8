import { useState } from 'preact/hooks';
import { entity, entitySync, listEntities, type EntityView } from '../api/entities';
import { ApiError } from '../api/http';
import { compareEntity, type EntityComparison } from '../api/reconciliation';
import { entityStream, HUB_SOURCE, stream, type StoredEvent } from '../api/streams';
import { useSession } from '../components/context';
import { TableHead } from '../components/table-head';
import { useCursorPager, useRemote, type Remote } from '../components/hooks';
import { Pager } from '../components/pager';
import { Empty, ErrorState, Loading, RemoteView } from '../components/states';
import { compareSources, type SourceCell } from '../logic/compare';
import { diffFields, type FieldChange } from '../logic/diff';
import { showValue } from '../logic/fields';
import { formatAgo, formatTime, fromLocalInput, toLocalInput } from '../logic/format';
import { can } from '../logic/permissions';
import { href } from '../logic/router';

const KNOWN_TYPES = ['order', 'customer', 'invoice', 'payment'];
const LIST_PAGE = 20;
const HISTORY_PAGE = 10;

export function EntityPage({ type, id, query }: { type?: string; id?: string; query: URLSearchParams }) {
  return (
    <>
      <div class="page-head">
        <h1>{type && id ? `${type} ${id}` : 'Entities'}</h1>
      </div>
      <EntitySearch key={`${type ?? ''}/${id ?? ''}`} type={type} id={id} />
      {type && id ? <EntityDetail key={`${type}/${id}`} type={type} id={id} asOf={query.get('asOf') ?? undefined} /> : type ? <EntityList type={type} status={query.get('status') ?? ''} /> : <Empty title="Search for an entity">Give a type (order, customer, invoice…) and an id, or only a type to list them.</Empty>}
    </>
  );
}

function EntitySearch({ type, id }: { type?: string; id?: string }) {
  const [t, setT] = useState(type ?? 'order');
  const [i, setI] = useState(id ?? '');
  return (
    <form
      class="card search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        location.hash = href('entity', i.trim() ? [t.trim(), i.trim()] : [t.trim()]);
      }}
    >
      <div class="field">
        <label for="entity-type">Type</label>
        <input id="entity-type" list="entity-types" value={t} onInput={(e) => setT((e.target as HTMLInputElement).value)} required pattern="[a-z][a-z0-9_]{0,63}" />
        <datalist id="entity-types">
          {KNOWN_TYPES.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      </div>
      <div class="field grow">
        <label for="entity-id">Id (empty: list them)</label>
        <input id="entity-id" value={i} onInput={(e) => setI((e.target as HTMLInputElement).value)} placeholder="e.g. SO-1001" />
      </div>
      <button type="submit">Find</button>
    </form>
  );
}

function EntityList({ type, status }: { type: string; status: string }) {
  const { api } = useSession();
  const [filter, setFilter] = useState(status);
  const pager = useCursorPager(`${type}|${status}`);
  const remote = useRemote(
    () => listEntities(api, type, { limit: LIST_PAGE, ...(pager.cursor ? { cursor: pager.cursor } : {}), ...(status ? { field: { path: 'status', value: status } } : {}) }),
    [api, type, status, pager.cursor],
  );
  return (
    <section class="card" aria-labelledby="list-title">
      <h2 id="list-title">Every {type}, latest first</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = href('entity', [type], { status: filter.trim() });
        }}
      >
        <div class="field">
          <label for="status-filter">Merged status equals</label>
          <input id="status-filter" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="any" />
        </div>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <RemoteView remote={remote} loading={`Listing ${type} entities…`}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty title={`No ${type} matches`}>{status ? `No ${type} has status ${status}.` : `No system has reported a ${type} yet.`}</Empty>
          ) : (
            <>
              <table>
                <TableHead columns={['Id', 'Status', 'Sources', 'Sources agree?', 'Last event']} />
                <tbody>
                  {page.items.map((view) => (
                    <EntityRow key={view.subject.id} type={type} view={view} />
                  ))}
                </tbody>
              </table>
              <Pager label={`${type} list`} page={pager.page} hasNext={!!page.nextCursor} onNext={() => page.nextCursor && pager.next(page.nextCursor)} onPrevious={pager.previous} />
            </>
          )
        }
      </RemoteView>
    </section>
  );
}

/**
 * One row of the list. Whether the systems agree is reconciliation's verdict (vocabularies mapped,
 * tolerances applied) where the hub has rules for the type; the raw comparison otherwise.
 */
function EntityRow({ type, view }: { type: string; view: EntityView }) {
  const { api } = useSession();
  const verdict = useRemote(() => compareEntity(api, type, view.subject.id), [api, type, view.subject.id, view.version]);
  const judged = verdict.state === 'ready' ? verdict.data : undefined;
  const settled = judged !== undefined || verdict.state === 'error';
  const disagreements = compareSources(view, judged?.fields).disagreements;
  return (
    <tr class={settled && disagreements ? 'row-disagree' : ''} data-entity={view.subject.id}>
      <th scope="row">
        <a href={href('entity', [type, view.subject.id])}>{view.subject.id}</a>
      </th>
      <td>{showValue(view.state.status)}</td>
      <td>{Object.keys(view.sources).sort().join(', ')}</td>
      <td>
        {!settled ? (
          <span class="muted">checking…</span>
        ) : disagreements ? (
          <span class="badge sev-critical">
            {disagreements} field{disagreements > 1 ? 's' : ''} differ
          </span>
        ) : judged?.verdict === 'pending' ? (
          <span class="badge sev-warning">settling (in grace)</span>
        ) : (
          <span class="badge sev-ok">agree</span>
        )}
        {settled && !judged ? <span class="muted"> (as reported)</span> : null}
      </td>
      <td>{formatAgo(view.lastEventAt)}</td>
    </tr>
  );
}

function EntityDetail({ type, id, asOf }: { type: string; id: string; asOf?: string }) {
  const { api } = useSession();
  const remote = useRemote(() => entity(api, type, id, asOf ? { asOf } : undefined), [api, type, id, asOf]);
  // Reconciliation judges the entity as it is now: an "as of" view is compared as reported.
  const verdict = useRemote(() => (asOf ? Promise.resolve(undefined) : compareEntity(api, type, id)), [api, type, id, asOf, remote.state === 'ready' ? remote.data.version : -1]);
  return (
    <>
      <AsOfPicker key={asOf ?? 'now'} type={type} id={id} asOf={asOf} />
      {remote.state === 'error' && remote.error.kind === 'not-found' ? (
        <Empty title={asOf ? `No ${type} ${id} at ${formatTime(asOf)}` : `No ${type} ${id} is known`}>
          {asOf ? 'No system had reported it by then. Pick a later time or go back to now.' : 'No system has reported it. Check the id, or look in the quarantine for refused reports.'}
        </Empty>
      ) : (
        <RemoteView remote={remote} loading={`Loading ${type} ${id}…`}>
          {(view) => (
            <>
              <Comparison view={view} asOf={asOf} verdict={verdict.state === 'ready' ? verdict.data : undefined} />
              {asOf ? null : <ReconciliationVerdict remote={verdict} />}
              {asOf ? null : <SyncStatus type={type} id={id} />}
              <History type={type} id={id} version={view.version} />
            </>
          )}
        </RemoteView>
      )}
    </>
  );
}

function AsOfPicker({ type, id, asOf }: { type: string; id: string; asOf?: string }) {
  const [value, setValue] = useState(asOf ? toLocalInput(asOf) : '');
  return (
    <form
      class="card asof"
      onSubmit={(e) => {
        e.preventDefault();
        const iso = fromLocalInput(value);
        location.hash = href('entity', [type, id], { asOf: iso });
      }}
    >
      <div class="field">
        <label for="as-of">As of (your local time; recorded time in the hub)</label>
        <input id="as-of" type="datetime-local" step={1} value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="secondary">
        Show then
      </button>
      {asOf ? (
        <a class="button-link" href={href('entity', [type, id])}>
          Back to now
        </a>
      ) : null}
      <p class="asof-note" role="status">
        {asOf ? (
          <>
            Showing the view <strong>as of {formatTime(asOf)}</strong>, folded from the log.
          </>
        ) : (
          'Showing the current view.'
        )}
      </p>
    </form>
  );
}

function Comparison({ view, asOf, verdict }: { view: EntityView; asOf?: string; verdict?: EntityComparison }) {
  const comparison = compareSources(view, verdict?.fields);
  return (
    <section class="card" aria-labelledby="compare-title" data-testid="comparison">
      <h2 id="compare-title">
        What each system says{' '}
        {comparison.disagreements > 0 ? (
          <span class="badge sev-critical" data-testid="disagreement-count">
            {comparison.disagreements} field{comparison.disagreements > 1 ? 's' : ''} disagree
          </span>
        ) : (
          <span class="badge sev-ok">all systems agree</span>
        )}
      </h2>
      <p class="hint">
        Version {view.version}, last event {asOf ? formatTime(view.lastEventAt) : formatAgo(view.lastEventAt)}.{' '}
        {verdict
          ? 'Fields the reconciliation rules cover are compared by meaning (≙ the canonical value, within tolerances), the others as reported.'
          : 'Values are compared as reported, without vocabulary mapping.'}{' '}
        Highlighted cells are where systems disagree.
      </p>
      {comparison.rows.length === 0 ? (
        <Empty title="No fields reported" />
      ) : (
        <div class="table-scroll">
          <table class="comparison">
            <thead>
              <tr>
                <th scope="col">Field</th>
                {comparison.sources.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
                <th scope="col">Merged (latest report)</th>
              </tr>
            </thead>
            <tbody>
              {comparison.rows.map((row) => (
                <tr key={row.path} class={row.disagreement ? 'row-disagree' : ''} data-field={row.path} data-verdict={row.rule?.verdict}>
                  <th scope="row">
                    {row.path}
                    {row.rule ? <span class="muted"> ({row.rule.verdict})</span> : null}
                    {row.disagreement ? <span class="visually-hidden"> (systems disagree)</span> : null}
                    {row.disagreement ? <span class="marker" aria-hidden="true"> ≠</span> : null}
                  </th>
                  {comparison.sources.map((s) => {
                    const cell = row.cells[s]!;
                    return (
                      <td key={s} class={cell.differs ? 'cell-differs' : cell.reported ? '' : 'cell-absent'} data-source={s}>
                        {cell.reported ? <CellValue cell={cell} /> : <span aria-label="not reported">—</span>}
                      </td>
                    );
                  })}
                  <td>{showValue(row.merged)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Last report</th>
                {comparison.sources.map((s) => (
                  <td key={s}>
                    {formatAgo(view.sources[s]!.lastSeenAt)}
                    <div class="muted">{view.sources[s]!.lastEventId}</div>
                  </td>
                ))}
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}

/** The reported value, and what it means when a rule maps it to another word. */
function CellValue({ cell }: { cell: SourceCell }) {
  return (
    <>
      <span class="value">{showValue(cell.value)}</span>
      {cell.unmapped ? <span class="meaning"> (no mapping knows it)</span> : null}
      {cell.canonical !== undefined && !sameMeaningWord(cell.canonical, cell.value) ? <span class="meaning"> ≙ {showValue(cell.canonical)}</span> : null}
    </>
  );
}

const sameMeaningWord = (canonical: unknown, value: unknown) => showValue(canonical) === showValue(value);

function ReconciliationVerdict({ remote }: { remote: Remote<EntityComparison | undefined> & { reload: () => void } }) {
  if (remote.state === 'loading' || (remote.state === 'ready' && !remote.data)) return null;
  if (remote.state === 'error') {
    if (remote.error.kind === 'unavailable') {
      return <p class="hint card" data-state="unavailable">Reconciliation verdicts (with value mappings and tolerances) are not available on this hub yet; the comparison above compares raw values.</p>;
    }
    if (remote.error.kind === 'not-found' || remote.error.kind === 'invalid') return null;
    return <ErrorState error={remote.error} retry={remote.reload} />;
  }
  const data = remote.data!;
  return (
    <section class="card" aria-labelledby="verdict-title">
      <h2 id="verdict-title">Reconciliation verdict: {data.verdict}</h2>
      <table>
        <TableHead columns={['Field', 'Verdict', 'Values']} />
        <tbody>
          {data.fields.map((f) => (
            <tr key={f.field} class={f.verdict === 'mismatch' || f.verdict === 'unmapped' ? 'row-disagree' : ''}>
              <th scope="row">{f.field}</th>
              <td>{f.verdict}</td>
              <td>
                {Object.entries(f.values)
                  .map(([s, v]) => `${s}: ${v.present ? showValue(v.value) : '—'}${v.canonical !== undefined && v.canonical !== v.value ? ` (≙ ${showValue(v.canonical)})` : ''}`)
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SyncStatus({ type, id }: { type: string; id: string }) {
  const { api } = useSession();
  const remote = useRemote(() => entitySync(api, type, id), [api, type, id]);
  return (
    <section class="card" aria-labelledby="sync-title">
      <h2 id="sync-title">Sync status per source</h2>
      <RemoteView remote={remote} loading="Reading the sync status…">
        {(sources) =>
          sources.length === 0 ? (
            <Empty title="No source has reported this entity" />
          ) : (
            <table data-testid="sync-table">
              <TableHead columns={['Source', 'Last reported', 'Last event', '#Events', '#Stale', 'In quarantine']} />
              <tbody>
                {sources.map((s) => (
                  <tr key={s.source} class={s.quarantined > 0 ? 'row-sev-warning' : ''}>
                    <th scope="row">{s.source}</th>
                    <td>{s.lastReportedAt ? formatAgo(s.lastReportedAt) : 'never (only refused reports)'}</td>
                    <td>{s.lastEventId || '—'}</td>
                    <td class="num">{s.events}</td>
                    <td class="num">{s.staleEvents}</td>
                    <td>
                      {s.quarantined === 0
                        ? 'none'
                        : s.quarantineIds.map((q) => (
                            <a key={q} href={href('quarantine', [q])} class="chip">
                              {q}
                            </a>
                          ))}
                    </td>
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

interface HistoryStep {
  readonly event: StoredEvent;
  readonly outcome: 'applied' | 'stale' | 'hub-fact';
  readonly changes: readonly FieldChange[];
  readonly sourceChanges: readonly FieldChange[];
}

/**
 * The stream's events, newest first, each with what it changed: the views
 * before and after it come from the hub's own time travel (`atPosition`), so
 * the diff is computed from the same fold the projection runs.
 */
async function historyPage(api: ReturnType<typeof useSession>['api'], type: string, id: string, fromRevision: number): Promise<{ steps: HistoryStep[]; hasNewer: boolean }> {
  const page = await stream(api, entityStream(type, id), fromRevision, HISTORY_PAGE);
  const viewAt = async (position: number): Promise<EntityView | undefined> => {
    if (position <= 0) return undefined;
    try {
      return await entity(api, type, id, { atPosition: position });
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'not-found') return undefined;
      throw error;
    }
  };
  const first = page.events[0];
  const views: Array<EntityView | undefined> = [];
  views.push(first && first.revision > 0 ? await viewAt(first.position - 1) : undefined);
  for (const event of page.events) views.push(await viewAt(event.position));
  const steps = page.events.map((event, i): HistoryStep => {
    const before = views[i];
    const after = views[i + 1];
    const beforeSource = before?.sources[event.source];
    const afterSource = after?.sources[event.source];
    // The entity view skips the hub's own records; a source's event that did not become its latest was stale.
    const outcome = event.source === HUB_SOURCE ? 'hub-fact' : afterSource?.lastPosition === event.position ? 'applied' : 'stale';
    return { event, outcome, changes: diffFields(before?.state, after?.state), sourceChanges: diffFields(beforeSource?.state, afterSource?.state) };
  });
  return { steps: steps.reverse(), hasNewer: page.nextRevision !== undefined };
}

function History({ type, id, version }: { type: string; id: string; version: number }) {
  const { api } = useSession();
  const newest = Math.max(0, version - HISTORY_PAGE);
  const [from, setFrom] = useState(newest);
  const [open, setOpen] = useState(false);
  const remote = useRemote(() => (open ? historyPage(api, type, id, from) : Promise.resolve(undefined)), [api, type, id, from, open]);
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {!open ? (
        <button type="button" class="secondary" onClick={() => setOpen(true)} aria-controls="history-list">
          Show history ({version} event{version === 1 ? '' : 's'})
        </button>
      ) : remote.state === 'loading' || (remote.state === 'ready' && !remote.data) ? (
        <Loading what="Reading the stream and the views between its events…" />
      ) : (
        <RemoteView remote={remote} loading="Reading the history…">
          {(data) =>
            !data || data.steps.length === 0 ? (
              <Empty title="No events in this stream" />
            ) : (
              <>
                <ol class="timeline" id="history-list" data-testid="history">
                  {data.steps.map((step) => (
                    <HistoryItem key={step.event.id} step={step} />
                  ))}
                </ol>
                <nav class="pager" aria-label="History pages">
                  <button type="button" class="secondary" disabled={!data.hasNewer} onClick={() => setFrom(from + HISTORY_PAGE)}>
                    ← Newer
                  </button>
                  <span>
                    Events {from + 1}–{from + data.steps.length}
                  </span>
                  <button type="button" class="secondary" disabled={from === 0} onClick={() => setFrom(Math.max(0, from - HISTORY_PAGE))}>
                    Older →
                  </button>
                </nav>
              </>
            )
          }
        </RemoteView>
      )}
    </section>
  );
}

function via(event: StoredEvent): string {
  const t = event.transport;
  const parts: string[] = [event.source, t.kind];
  if (t.kind === 'kafka') parts.push(`${t.topic}/${t.partition}@${t.offset}`);
  if (t.kind === 'webhook') parts.push(`webhook ${t.webhookId}`);
  if ('requestId' in t) parts.push(`request ${t.requestId}`);
  if (t.kind === 'replay') parts.push(`replayed from quarantine ${t.quarantineId}`);
  if (t.kind === 'internal') parts.push(t.component);
  if ('credential' in t && t.credential) parts.push(`key ${t.credential}`);
  return parts.join(' · ');
}

function HistoryItem({ step }: { step: HistoryStep }) {
  const { event } = step;
  const mayAudit = can(useSession().identity.role, 'audit');
  const reason = typeof event.data.reason === 'string' ? event.data.reason : undefined;
  return (
    <li class={`timeline-item outcome-${step.outcome}`}>
      <div class="timeline-head">
        <strong>{event.type}</strong> from <strong>{event.source}</strong>
        <span class="muted"> · rev {event.revision} · position {event.position}</span>
        {step.outcome === 'stale' ? <span class="badge sev-warning">stale: not applied</span> : null}
        {step.outcome === 'hub-fact' ? <span class="badge">hub record</span> : null}
      </div>
      <dl class="facts">
        <div>
          <dt>When</dt>
          <dd>
            occurred {formatTime(event.occurredAt)}, recorded {formatTime(event.recordedAt)}
          </dd>
        </div>
        <div>
          <dt>Who</dt>
          <dd>{event.actor ? `${event.actor.type} ${event.actor.id}` : 'not stated'}</dd>
        </div>
        {reason || event.causationId ? (
          <div>
            <dt>Why</dt>
            <dd>{[reason, event.causationId ? `caused by ${event.causationId}` : undefined].filter(Boolean).join('; ')}</dd>
          </div>
        ) : null}
        <div>
          <dt>Via</dt>
          <dd>{via(event)}</dd>
        </div>
        {event.correlationId ? (
          <div>
            <dt>Flow</dt>
            <dd>{mayAudit ? <a href={href('audit', [event.correlationId])}>{event.correlationId}</a> : event.correlationId}</dd>
          </div>
        ) : null}
        <div>
          <dt>Event</dt>
          <dd>{event.id}</dd>
        </div>
      </dl>
      {step.sourceChanges.length > 0 ? <Diff title={`${event.source}'s own view`} changes={step.sourceChanges} /> : null}
      {step.changes.length > 0 ? <Diff title="Merged view" changes={step.changes} /> : step.outcome === 'applied' ? <p class="muted">No field of the merged view changed.</p> : null}
    </li>
  );
}

function Diff({ title, changes }: { title: string; changes: readonly FieldChange[] }) {
  return (
    <table class="diff">
      <caption>{title}</caption>
      <TableHead columns={['Field', 'Before', 'After']} />
      <tbody>
        {changes.map((c) => (
          <tr key={c.path} class={`change-${c.kind}`}>
            <th scope="row">{c.path}</th>
            <td class="before">{c.kind === 'added' ? <span class="muted">(none)</span> : <del>{showValue(c.before)}</del>}</td>
            <td class="after">{c.kind === 'removed' ? <span class="muted">(removed)</span> : <ins>{showValue(c.after)}</ins>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
