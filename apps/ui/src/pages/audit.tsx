import { useEffect, useState } from 'preact/hooks';
import { flowTrail, sealNow, seals, startVerify, verifyStatus, type Seal, type VerifyRun } from '../api/audit';
import { ApiError } from '../api/http';
import { useSession } from '../components/context';
import { useCursorPager, useRemote } from '../components/hooks';
import { Pager } from '../components/pager';
import { Empty, ErrorState, RemoteView } from '../components/states';
import { formatAgo, formatCount, formatDuration, formatTime } from '../logic/format';
import { can } from '../logic/permissions';
import { href } from '../logic/router';

export function AuditPage({ correlationId }: { correlationId?: string }) {
  return (
    <>
      <div class="page-head">
        <h1>Audit</h1>
        <p>Is the history intact, when was it last sealed, and what happened in one flow across systems.</p>
      </div>
      <div class="grid">
        <VerifyCard />
        <SealCard />
      </div>
      <FlowView correlationId={correlationId} />
    </>
  );
}

function VerifyCard() {
  const { api, identity } = useSession();
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<ApiError | undefined>();
  const remote = useRemote(() => verifyStatus(api), [api], running ? 1000 : 10_000);
  const run = remote.state === 'ready' ? remote.data : undefined;
  useEffect(() => {
    if (run && run.state !== 'running') setRunning(false);
  }, [run]);
  const start = async () => {
    setFailure(undefined);
    try {
      await startVerify(api);
      setRunning(true);
      remote.reload();
    } catch (error) {
      setFailure(error instanceof ApiError ? error : new ApiError('server', String(error)));
    }
  };
  return (
    <section class="card" aria-labelledby="verify-title" data-testid="verify-card">
      <h2 id="verify-title">Chain verification</h2>
      <RemoteView
        remote={remote}
        loading="Asking for the last verification…"
        feature="Verification over HTTP"
        unavailable={
          <>
            This hub verifies from its command line only: <code>npm run concord -- verify</code> on the hub's host walks every stream's hash chain and the log digest.
          </>
        }
      >
        {(v) => <VerifyState run={v} />}
      </RemoteView>
      {failure ? <ErrorState error={failure} /> : null}
      {can(identity.role, 'verify') && remote.state === 'ready' ? (
        <button type="button" disabled={run?.state === 'running'} onClick={() => void start()}>
          {run?.state === 'running' ? 'Verifying…' : 'Run a verification'}
        </button>
      ) : null}
    </section>
  );
}

/** " (stream order-B, revision 4)" or " (seal #2)": only what the break names. */
function brokenWhere(broken: VerifyRun['broken']): string {
  const parts = [
    broken?.kind,
    broken?.stream !== undefined ? `stream ${broken.stream}` : undefined,
    broken?.revision !== undefined ? `revision ${broken.revision}` : undefined,
    broken?.seal !== undefined ? `seal #${broken.seal}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function VerifyState({ run }: { run: VerifyRun }) {
  const percent = run.total ? Math.floor((100 * (run.checked ?? 0)) / run.total) : 0;
  return (
    <>
      {run.state === 'running' ? (
        <>
          <label for="verify-progress">
            Checked {formatCount(run.checked ?? 0)} of {formatCount(run.total ?? 0)} events
          </label>
          <progress id="verify-progress" max={100} value={percent}>
            {percent}%
          </progress>
        </>
      ) : run.state === 'ok' ? (
        <p class="banner sev-ok">
          <span class="badge sev-ok">Intact</span> {formatCount(run.checked ?? 0)} events verified {formatAgo(run.finishedAt)}.
        </p>
      ) : run.state === 'broken' ? (
        <div class="banner sev-critical" role="alert">
          <span class="badge sev-critical">Broken</span> The log breaks at position {run.broken?.position}
          {brokenWhere(run.broken)}: {run.broken?.message ?? `expected ${run.broken?.expected}, found ${run.broken?.found}`}
        </div>
      ) : run.state === 'failed' ? (
        <p class="banner sev-critical">The last verification could not finish{run.error ? `: ${run.error}` : '.'}</p>
      ) : (
        <Empty title="No verification has run since the hub started" />
      )}
    </>
  );
}

/** The newest seal: the hub lists seals oldest first and says the newest one's number, so it is one more request. */
async function newestSeal(api: ReturnType<typeof useSession>['api']): Promise<{ seal?: Seal; count: number; sealer?: Awaited<ReturnType<typeof seals>>['sealer'] }> {
  const first = await seals(api, 0, 1);
  const lastSeq = first.sealer?.lastSeq ?? first.seals.length;
  const last = lastSeq > 1 ? await seals(api, lastSeq - 1, 1) : first;
  const seal = last.seals[0];
  const sealer = last.sealer ?? first.sealer;
  return { ...(seal ? { seal } : {}), count: lastSeq, ...(sealer ? { sealer } : {}) };
}

function SealCard() {
  const { api, identity } = useSession();
  const remote = useRemote(() => newestSeal(api), [api], 15_000);
  const [problem, setProblem] = useState<string | undefined>();
  const seal = async () => {
    setProblem(undefined);
    try {
      await sealNow(api);
      remote.reload();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section class="card" aria-labelledby="seal-title" data-testid="seal-card">
      <h2 id="seal-title">Last seal</h2>
      <RemoteView remote={remote} loading="Reading the seals…" feature="Seals">
        {(s) =>
          s.sealer?.halted ? (
            <div class="banner sev-critical" role="alert">
              <span class="badge sev-critical">Sealing halted</span> {s.sealer.halted.message}
            </div>
          ) : !s.seal ? (
            <Empty title="The log has not been sealed yet" />
          ) : (
            <dl class="facts">
              <div>
                <dt>Sealed</dt>
                <dd>
                  {formatTime(s.seal.sealedAt)} ({formatAgo(s.seal.sealedAt)})
                </dd>
              </div>
              <div>
                <dt>Covers the log up to</dt>
                <dd>position {formatCount(s.seal.position)}</dd>
              </div>
              <div>
                <dt>Seal</dt>
                <dd>
                  #{s.seal.seq} of {s.count}, key {s.seal.keyId}
                </dd>
              </div>
              {s.sealer?.lag !== undefined ? (
                <div>
                  <dt>Events since</dt>
                  <dd>{formatCount(s.sealer.lag)}</dd>
                </div>
              ) : null}
            </dl>
          )
        }
      </RemoteView>
      {problem ? (
        <p class="state state-error" role="alert">
          {problem}
        </p>
      ) : null}
      {can(identity.role, 'seal') && remote.state === 'ready' ? (
        <button type="button" class="secondary" onClick={() => void seal()}>
          Seal now
        </button>
      ) : null}
    </section>
  );
}

function FlowView({ correlationId }: { correlationId?: string }) {
  const { api } = useSession();
  const [value, setValue] = useState(correlationId ?? '');
  const pager = useCursorPager(correlationId ?? '');
  const remote = useRemote(() => (correlationId ? flowTrail(api, correlationId, pager.cursor) : Promise.resolve(undefined)), [api, correlationId, pager.cursor]);
  return (
    <section class="card" aria-labelledby="flow-title">
      <h2 id="flow-title">Follow one flow</h2>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) location.hash = href('audit', [value.trim()]);
        }}
      >
        <div class="field grow">
          <label for="correlation-id">Correlation id</label>
          <input id="correlation-id" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} placeholder="e.g. flow-7" required />
        </div>
        <button type="submit" class="secondary">
          Follow
        </button>
      </form>
      {!correlationId ? (
        <p class="hint">Every event carrying this correlation id, across entities and systems, in the order the hub recorded them.</p>
      ) : (
        <RemoteView remote={remote} loading={`Following ${correlationId}…`} feature="The flow view" unavailable={<>The audit trail API (<code>GET /v1/audit/flows/:correlationId</code>) is not on this hub yet.</>}>
          {(trail) =>
            !trail || trail.items.length === 0 ? (
              <Empty title={`No event carries correlation id ${correlationId}`} />
            ) : (
              <>
                <p class="hint" data-testid="flow-summary">
                  {trail.steps} step{trail.steps === 1 ? '' : 's'} from {trail.sources.join(', ')} about {trail.subjects.join(', ')}
                  {trail.subjectsTruncated ? ' and more' : ''}, over {formatDuration(trail.durationMs / 1000)}; pauses over {formatDuration(trail.gapThresholdMs / 1000)} are marked.
                </p>
                <ol class="timeline">
                  {trail.items.map((step) => {
                    const gap = step.gap;
                    return (
                      <li key={step.eventId} class={`timeline-item${gap ? ' gap' : ''}`}>
                        {gap ? <p class="badge sev-warning gap-note">{formatDuration((step.sincePreviousMs ?? 0) / 1000)} after the previous step</p> : null}
                        <strong>{step.type}</strong> from {step.source}
                        {step.subject ? (
                          <>
                            {' '}
                            on <a href={href('entity', [step.subject.type, step.subject.id])}>{`${step.subject.type} ${step.subject.id}`}</a>
                          </>
                        ) : null}
                        <div class="muted">
                          occurred {formatTime(step.occurredAt)} · recorded {formatTime(step.recordedAt)}
                          {step.actor ? ` · by ${step.actor.type} ${step.actor.id}` : ''}
                          {step.reason ? ` · why: ${step.reason}` : ''} · via {step.transport.kind} · event {step.eventId}
                        </div>
                      </li>
                    );
                  })}
                </ol>
                <Pager label="Flow steps" page={pager.page} hasNext={!!trail.nextCursor} onNext={() => trail.nextCursor && pager.next(trail.nextCursor)} onPrevious={pager.previous} />
              </>
            )
          }
        </RemoteView>
      )}
    </section>
  );
}
