import { useState } from 'preact/hooks';
import { stuckFlows } from '../api/flows';
import { useSession } from '../components/context';
import { useCursorPager, useRemote } from '../components/hooks';
import { Pager } from '../components/pager';
import { Empty, RemoteView } from '../components/states';
import { TableHead } from '../components/table-head';
import { formatAgo, formatTime } from '../logic/format';
import { href } from '../logic/router';

const PAGE = 20;

/** Every overdue flow (`GET /v1/flows/stuck`), most overdue first: the list behind the overview's card. */
export function FlowsPage({ query }: { query: URLSearchParams }) {
  const { api } = useSession();
  const rule = query.get('rule') ?? '';
  const entity = query.get('entity') ?? '';
  const [ruleInput, setRuleInput] = useState(rule);
  const [entityInput, setEntityInput] = useState(entity);
  const pager = useCursorPager(`${rule}|${entity}`);
  const remote = useRemote(
    () => stuckFlows(api, { limit: PAGE, ...(pager.cursor ? { cursor: pager.cursor } : {}), ...(rule ? { rule } : {}), ...(entity ? { entity } : {}) }),
    [api, rule, entity, pager.cursor],
    10_000,
  );
  return (
    <>
      <div class="page-head">
        <h1>Stuck flows</h1>
        <p>Flows past their deadline without the event their rule expects, most overdue first.</p>
      </div>
      <section class="card" aria-labelledby="flows-list-title">
        <h2 id="flows-list-title" class="visually-hidden">
          Overdue flows
        </h2>
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            location.hash = href('flows', [], { rule: ruleInput.trim(), entity: entityInput.trim() });
          }}
        >
          <div class="field">
            <label for="flow-rule">Rule</label>
            <input id="flow-rule" value={ruleInput} onInput={(e) => setRuleInput((e.target as HTMLInputElement).value)} placeholder="any" />
          </div>
          <div class="field">
            <label for="flow-entity">Entity (type or type/id)</label>
            <input id="flow-entity" value={entityInput} onInput={(e) => setEntityInput((e.target as HTMLInputElement).value)} placeholder="e.g. order" />
          </div>
          <button type="submit" class="secondary">
            Filter
          </button>
        </form>
        <RemoteView remote={remote} loading="Looking for overdue flows…" feature="Stuck-flow detection">
          {(page) =>
            page.items.length === 0 ? (
              <Empty title={rule || entity ? 'No overdue flow matches' : 'No flow is overdue'}>
                {rule || entity ? 'Clear the filters to see every overdue flow.' : 'Every flow the rules watch has met its deadline so far (or the hub runs without flow rules).'}
              </Empty>
            ) : (
              <>
                <table data-testid="flows-table">
                  <TableHead columns={['Entity', 'Rule', 'Started by', 'Expected by', 'Overdue for', 'Last event']} />
                  <tbody>
                    {page.items.map((flow) => (
                      <tr key={flow.id} class="row-sev-warning" data-flow={flow.id}>
                        <th scope="row">
                          <a href={href('entity', [flow.entity.type, flow.entity.id])}>
                            {flow.entity.type} {flow.entity.id}
                          </a>
                        </th>
                        <td>
                          {flow.rule}
                          {flow.description ? <div class="muted">{flow.description}</div> : null}
                        </td>
                        <td>
                          {flow.startedBy.type} from {flow.startedBy.source}
                          <div class="muted">{flow.startedBy.eventId}</div>
                        </td>
                        <td>{formatTime(flow.expectedBy)}</td>
                        <td>{flow.overdueFor}</td>
                        <td>
                          {flow.lastEvent ? `${flow.lastEvent.type} from ${flow.lastEvent.source}, recorded ${formatAgo(flow.lastEvent.recordedAt)}` : '—'}
                          {flow.unmatched?.length ? (
                            <div class="sev-warning-text">
                              {flow.unmatched.length} {flow.unmatched.length === 1 ? 'event' : 'events'} of the expected kind did not match: {flow.unmatched.map((u) => `${u.eventId} ${JSON.stringify(u.values)}`).join('; ')}
                            </div>
                          ) : null}
                          {flow.problem ? <div class="error-text">{flow.problem}</div> : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <Pager label="Overdue flows" page={pager.page} hasNext={!!page.nextCursor} onNext={() => page.nextCursor && pager.next(page.nextCursor)} onPrevious={pager.previous} />
              </>
            )
          }
        </RemoteView>
      </section>
    </>
  );
}
