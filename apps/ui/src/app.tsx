import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApi } from './api/http';
import { whoami, type Identity } from './api/whoami';
import { SessionContext, type Session } from './components/context';
import { Loading } from './components/states';
import { can, type Capability } from './logic/permissions';
import { href, parseRoute, type Route } from './logic/router';
import { AuditPage } from './pages/audit';
import { EntityPage } from './pages/entity';
import { FlowsPage } from './pages/flows';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { QuarantinePage } from './pages/quarantine';
import { ReconciliationPage } from './pages/reconciliation';
import { forgetKey, saveKey, savedKey } from './session';

type Login = { state: 'out'; problem?: string } | { state: 'checking'; key: string } | { state: 'in'; key: string; identity: Identity };

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function App() {
  const initial = savedKey();
  const [login, setLogin] = useState<Login>(initial ? { state: 'checking', key: initial } : { state: 'out' });
  const route = useRoute();

  useEffect(() => {
    if (login.state !== 'checking') return;
    whoami(createApi(login.key))
      .then((identity) => {
        saveKey(login.key);
        setLogin({ state: 'in', key: login.key, identity });
      })
      .catch((error: unknown) => {
        forgetKey();
        const problem = error instanceof ApiError && error.kind === 'unauthorized' ? `The hub did not accept this key: ${error.message}.` : `Could not check the key: ${error instanceof Error ? error.message : String(error)}`;
        setLogin({ state: 'out', problem });
      });
  }, [login]);

  const session = useMemo<Session | undefined>(
    () =>
      login.state === 'in'
        ? {
            // A key revoked while the page is open sends the user back to the login form.
            api: guardUnauthorized(createApi(login.key), () => setLogin({ state: 'out', problem: 'The key stopped working (revoked?). Paste a valid key.' })),
            identity: login.identity,
            logout: () => {
              forgetKey();
              setLogin({ state: 'out' });
            },
          }
        : undefined,
    [login],
  );

  if (login.state === 'checking') return <Loading what="Checking the key with the hub…" />;
  if (login.state === 'out' || !session) return <LoginPage problem={login.state === 'out' ? login.problem : undefined} onKey={(key) => setLogin({ state: 'checking', key })} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell route={route} session={session} />
    </SessionContext.Provider>
  );
}

function guardUnauthorized(api: ReturnType<typeof createApi>, onUnauthorized: () => void): ReturnType<typeof createApi> {
  const watch = <T,>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: unknown) => {
      if (error instanceof ApiError && error.kind === 'unauthorized') onUnauthorized();
      throw error;
    });
  return {
    get: (path, query) => watch(api.get(path, query)),
    text: (path, query) => watch(api.text(path, query)),
    post: (path, body) => watch(api.post(path, body)),
  };
}

/** The menu; a page that needs more than reading is offered only to roles that have it (the hub refuses the rest anyway). */
const PAGES: ReadonlyArray<{ page: string; label: string; needs?: Capability }> = [
  { page: 'overview', label: 'Overview' },
  { page: 'entity', label: 'Entities' },
  { page: 'reconciliation', label: 'Reconciliation' },
  { page: 'quarantine', label: 'Quarantine' },
  { page: 'flows', label: 'Stuck flows' },
  { page: 'audit', label: 'Audit', needs: 'audit' },
];

function Shell({ route, session }: { route: Route; session: Session }) {
  const { identity } = session;
  const firstPage = useRef(true);
  useEffect(() => {
    const title = PAGES.find((p) => p.page === route.page)?.label ?? 'Not found';
    document.title = `${title} · Concord`;
    // After a page change, keyboard and screen-reader users start at the new page, not in the menu.
    if (!firstPage.current) document.getElementById('main')?.focus();
    firstPage.current = false;
  }, [route.page]);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Concord</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.filter((p) => !p.needs || can(identity.role, p.needs)).map((p) => (
              <li key={p.page}>
                <a href={href(p.page)} aria-current={route.page === p.page ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="identity">
            {identity.name ?? identity.keyId} · <strong>{identity.role}</strong>
          </span>
          <button type="button" class="secondary" onClick={session.logout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {!can(identity.role, 'read') ? (
          <section class="card">
            <h1>Nothing to show for a {identity.role} key</h1>
            <p>Connector keys may only publish events. Log in with an analyst, auditor or admin key to use the dashboard.</p>
          </section>
        ) : (
          <Page route={route} session={session} />
        )}
      </main>
    </>
  );
}

function Page({ route, session }: { route: Route; session: Session }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'entity':
      return <EntityPage type={route.type} id={route.id} query={route.query} />;
    case 'quarantine':
      return <QuarantinePage id={route.id} query={route.query} />;
    case 'reconciliation':
      return <ReconciliationPage itemId={route.itemId} query={route.query} />;
    case 'audit':
      return can(session.identity.role, 'audit') ? (
        <AuditPage correlationId={route.correlationId} />
      ) : (
        <section class="card" data-testid="audit-not-for-role">
          <h1>Audit is for auditor and admin keys</h1>
          <p>
            Verification, seals and the flow trail are read with an auditor or admin key; a {session.identity.role} key may not read them (the hub answers 403). Entities, reconciliation,
            the quarantine and stuck flows are open to this key.
          </p>
        </section>
      );
    case 'flows':
      return <FlowsPage query={route.query} />;
    case 'not-found':
      return (
        <section class="card">
          <h1>No such page</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. Go to the <a href={href('overview')}>overview</a>.
          </p>
        </section>
      );
  }
}
