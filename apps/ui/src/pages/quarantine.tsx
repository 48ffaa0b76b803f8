import { useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { listQuarantine, quarantineEntry, replayOne, replaySelected, type QuarantineEntry, type QuarantineFilter, type ReplayReport } from '../api/quarantine';
import { useSession } from '../components/context';
import { TableHead } from '../components/table-head';
import { useCursorPager, useRemote } from '../components/hooks';
import { JsonView } from '../components/json-view';
import { Pager } from '../components/pager';
import { Empty, ErrorState, RemoteView } from '../components/states';
import { formatAgo, formatTime, fromLocalInput, toLocalInput } from '../logic/format';
import { can } from '../logic/permissions';
import { href } from '../logic/router';

const PAGE = 20;
/** The hub's refusal reasons (libs/contracts RejectionReason and libs/quarantine QuarantineReason). */
const REASONS = [
  'contract-violation',
  'unknown-type',
  'unknown-schema-version',
  'invalid-envelope',
  'subject-type-mismatch',
  'id-reused-with-different-content',
  'not-an-object',
  'unsafe-json',
  'malformed-json',
  'source-not-allowed',
  'bad-signature',
  'stale-webhook',
  'webhook-mapping-failed',
];

function filterOf(query: URLSearchParams): QuarantineFilter {
  const status = query.get('status');
  return {
    ...(status === 'open' || status === 'resolved' ? { status } : !query.has('status') ? { status: 'open' as const } : {}),
    ...(query.get('source') ? { source: query.get('source')! } : {}),
    ...(query.get('reason') ? { reason: query.get('reason')! } : {}),
    ...(query.get('since') ? { since: query.get('since')! } : {}),
  };
}

export function QuarantinePage({ id, query }: { id?: string; query: URLSearchParams }) {
  const { api, identity } = useSession();
  const mayReplay = can(identity.role, 'replay-quarantine');
  const filter = filterOf(query);
  const filterKey = JSON.stringify(filter);
  const pager = useCursorPager(filterKey);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [results, setResults] = useState<{ reports: readonly ReplayReport[]; title: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | undefined>();
  const list = useRemote(() => listQuarantine(api, filter, { limit: PAGE, ...(pager.cursor ? { cursor: pager.cursor } : {}) }), [api, filterKey, pager.cursor]);

  const toggle = (entryId: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(entryId)) next.delete(entryId);
      else next.add(entryId);
      return next;
    });

  const replay = async (ids: readonly string[], title: string) => {
    setBusy(true);
    setFailure(undefined);
    try {
      const outcome = await replaySelected(api, ids);
      setResults({ reports: outcome.results, title: `${title}: ${outcome.summary.resolved} of ${outcome.summary.replayed} resolved` });
      setSelected(new Set());
      list.reload();
    } catch (error) {
      setFailure(error instanceof ApiError ? error : new ApiError('server', String(error)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div class="page-head">
        <h1>Quarantine</h1>
        <p>Inputs the hub refused, kept raw with the reason. {mayReplay ? 'Fix the contract or the payload, then replay.' : 'Only admins may replay them.'}</p>
      </div>
      <QuarantineFilters filter={filter} />
      {failure ? <ErrorState error={failure} /> : null}
      {results ? <ReplayResults title={results.title} reports={results.reports} onClose={() => setResults(undefined)} /> : null}
      <div class={id ? 'split' : ''}>
        <section class="card" aria-labelledby="q-list-title">
          <h2 id="q-list-title">Entries</h2>
          <RemoteView remote={list} loading="Reading the quarantine…">
            {(page) =>
              page.items.length === 0 ? (
                <Empty title={filter.status === 'open' ? 'Nothing waits in the quarantine' : 'No entry matches these filters'}>
                  {filter.status === 'open' ? 'Every refused input has been resolved, or none was refused.' : 'Change or clear the filters.'}
                </Empty>
              ) : (
                <>
                  {mayReplay ? (
                    <div class="toolbar">
                      <button type="button" disabled={selected.size === 0 || busy} onClick={() => replay([...selected], 'Replayed the selection')} data-testid="replay-selected">
                        Replay selected ({selected.size})
                      </button>
                    </div>
                  ) : null}
                  <div class="table-scroll">
                    <table data-testid="quarantine-table">
                      <thead>
                        <tr>
                          {mayReplay ? (
                            <th scope="col">
                              <span class="visually-hidden">Select</span>
                            </th>
                          ) : null}
                          <th scope="col">Entry</th>
                          <th scope="col">Reason</th>
                          <th scope="col">Source</th>
                          <th scope="col">Event</th>
                          <th scope="col">Last seen</th>
                          <th scope="col" class="num">Attempts</th>
                          <th scope="col">Status</th>
                        </tr>
                      </thead>
                      <tbody>
                        {page.items.map((entry) => (
                          <tr key={entry.id} class={entry.id === id ? 'row-selected' : ''} data-entry={entry.id}>
                            {mayReplay ? (
                              <td>
                                <input type="checkbox" aria-label={`Select ${entry.id}`} checked={selected.has(entry.id)} disabled={entry.status !== 'open'} onChange={() => toggle(entry.id)} />
                              </td>
                            ) : null}
                            <th scope="row" class="entry-id">
                              <a href={href('quarantine', [entry.id], Object.fromEntries(query))}>{entry.id}</a>
                            </th>
                            <td>
                              <span class="chip">{entry.reason}</span>
                              <div class="muted clamp">{entry.message}</div>
                            </td>
                            <td>{entry.source ?? '—'}</td>
                            <td>
                              {entry.eventId ?? '—'}
                              {entry.eventType ? <div class="muted">{entry.eventType}</div> : null}
                            </td>
                            <td>{formatAgo(entry.lastSeenAt)}</td>
                            <td class="num">{entry.attempts}</td>
                            <td>
                              <span class={`badge ${entry.status === 'open' ? 'sev-warning' : 'sev-ok'}`}>{entry.status}</span>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <Pager label="Quarantine" page={pager.page} hasNext={!!page.nextCursor} onNext={() => page.nextCursor && pager.next(page.nextCursor)} onPrevious={pager.previous} />
                </>
              )
            }
          </RemoteView>
        </section>
        {id ? (
          <EntryDetail
            key={id}
            id={id}
            mayReplay={mayReplay}
            onReplayed={(report) => {
              setResults({ reports: [report], title: `Replayed ${report.quarantineId}` });
              list.reload();
            }}
          />
        ) : null}
      </div>
    </>
  );
}

function QuarantineFilters({ filter }: { filter: QuarantineFilter }) {
  const [status, setStatus] = useState<string>(filter.status ?? 'all');
  const [source, setSource] = useState(filter.source ?? '');
  const [reason, setReason] = useState(filter.reason ?? '');
  const [since, setSince] = useState(filter.since ? toLocalInput(filter.since) : '');
  return (
    <form
      class="card filters"
      aria-label="Filter the quarantine"
      onSubmit={(e) => {
        e.preventDefault();
        location.hash = href('quarantine', [], { status, source: source.trim(), reason, since: fromLocalInput(since) });
      }}
    >
      <div class="field">
        <label for="q-status">Status</label>
        <select id="q-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="open">open</option>
          <option value="resolved">resolved</option>
          <option value="all">all</option>
        </select>
      </div>
      <div class="field">
        <label for="q-source">Source</label>
        <input id="q-source" value={source} onInput={(e) => setSource((e.target as HTMLInputElement).value)} placeholder="any" pattern="[a-z0-9-]{1,64}" />
      </div>
      <div class="field">
        <label for="q-reason">Reason</label>
        <select id="q-reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          {REASONS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="q-since">First seen since</label>
        <input id="q-since" type="datetime-local" step={1} value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="secondary">
        Apply filters
      </button>
    </form>
  );
}

function ReplayResults({ title, reports, onClose }: { title: string; reports: readonly ReplayReport[]; onClose: () => void }) {
  return (
    <section class="card results" aria-labelledby="results-title" role="status" data-testid="replay-results">
      <h2 id="results-title">{title}</h2>
      <table>
        <TableHead columns={['Entry', 'Outcome', 'Entry is now', 'Details']} />
        <tbody>
          {reports.map((r) => (
            <tr key={r.quarantineId} class={r.status === 'resolved' ? 'row-sev-ok' : 'row-sev-critical'}>
              <th scope="row">{r.quarantineId}</th>
              <td>{r.attempt.outcome}</td>
              <td>
                <span class={`badge ${r.status === 'resolved' ? 'sev-ok' : 'sev-critical'}`} data-testid={`result-${r.quarantineId}`}>
                  {r.status}
                </span>
              </td>
              <td>{r.attempt.outcome === 'rejected' ? `${r.attempt.reason ?? ''}: ${r.attempt.message ?? ''}` : `event ${r.attempt.eventId ?? ''} at position ${r.attempt.position ?? '?'}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" class="secondary" onClick={onClose}>
        Dismiss
      </button>
    </section>
  );
}

function EntryDetail({ id, mayReplay, onReplayed }: { id: string; mayReplay: boolean; onReplayed: (report: ReplayReport) => void }) {
  const { api } = useSession();
  const remote = useRemote(() => quarantineEntry(api, id), [api, id]);
  return (
    <section class="card detail" aria-labelledby="entry-title" data-testid="entry-detail">
      <h2 id="entry-title">Entry {id}</h2>
      <RemoteView remote={remote} loading="Loading the entry…">
        {(entry) => (
          <>
            <dl class="facts">
              <div>
                <dt>Status</dt>
                <dd>
                  <span class={`badge ${entry.status === 'open' ? 'sev-warning' : 'sev-ok'}`} data-testid="entry-status">
                    {entry.status}
                  </span>
                  {entry.resolvedAt ? ` since ${formatTime(entry.resolvedAt)}` : ''}
                </dd>
              </div>
              <div>
                <dt>Reason</dt>
                <dd>
                  {entry.reason}: {entry.message}
                </dd>
              </div>
              <div>
                <dt>Seen</dt>
                <dd>
                  first {formatTime(entry.firstSeenAt)}, last {formatTime(entry.lastSeenAt)}, {entry.attempts} time{entry.attempts === 1 ? '' : 's'}, via {entry.transport.kind}
                </dd>
              </div>
            </dl>
            {entry.errors.length > 0 ? (
              <>
                <h3>Field errors</h3>
                <ul class="errors">
                  {entry.errors.map((e) => (
                    <li key={`${e.field}:${e.message}`}>
                      <code>{e.field}</code>: {e.message}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            <h3>Payload as received</h3>
            <JsonView text={entry.raw} label={`Payload of ${entry.id}`} />
            {entry.replays.length > 0 ? (
              <>
                <h3>Replays</h3>
                <ol class="plain">
                  {entry.replays.map((r) => (
                    <li key={r.id}>
                      {formatTime(r.at)} by {r.by}: <strong>{r.outcome}</strong>
                      {r.correctedPayload ? ' (corrected payload)' : ''}
                      {r.reason ? ` — ${r.reason}: ${r.message ?? ''}` : ''}
                    </li>
                  ))}
                </ol>
              </>
            ) : null}
            {mayReplay && entry.status === 'open' ? <ReplayActions entry={entry} onReplayed={(report) => (onReplayed(report), remote.reload())} /> : null}
          </>
        )}
      </RemoteView>
    </section>
  );
}

function pretty(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

function ReplayActions({ entry, onReplayed }: { entry: QuarantineEntry; onReplayed: (report: ReplayReport) => void }) {
  const { api } = useSession();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(() => pretty(entry.raw));
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (payload?: Record<string, unknown>) => {
    setBusy(true);
    setProblem(undefined);
    try {
      onReplayed(await replayOne(api, entry.id, payload));
      setEditing(false);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  const submitCorrection = () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      setProblem(`The corrected payload is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      setProblem('The corrected payload must be one event object.');
      return;
    }
    void run(parsed as Record<string, unknown>);
  };

  return (
    <div class="actions" data-testid="replay-actions">
      <h3>Replay</h3>
      {problem ? (
        <p class="state state-error" role="alert">
          {problem}
        </p>
      ) : null}
      {!editing ? (
        <div class="toolbar">
          <button type="button" disabled={busy} onClick={() => run()}>
            Replay as received
          </button>
          <button type="button" class="secondary" onClick={() => setEditing(true)}>
            Correct the payload…
          </button>
        </div>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submitCorrection();
          }}
        >
          <label for="corrected">Corrected payload (JSON; recorded with the attempt)</label>
          <textarea id="corrected" rows={14} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
          <div class="toolbar">
            <button type="submit" disabled={busy}>
              Replay with this payload
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
