import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api/http';
import type { Remote } from './hooks';

export function Loading({ what }: { what: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {what}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty" role="status">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

/** A feature this hub does not have yet (its API answers "Cannot GET …"). */
export function Unavailable({ feature, children }: { feature: string; children?: ComponentChildren }) {
  return (
    <div class="state state-unavailable" role="status" data-state="unavailable">
      <strong>{feature}: not available on this hub yet</strong>
      <p>{children ?? 'This hub does not offer the API behind this view yet. It appears here on its own once the hub is upgraded; nothing to configure in the dashboard.'}</p>
    </div>
  );
}

const ERROR_TITLES: Record<ApiError['kind'], string> = {
  unauthorized: 'The key was not accepted',
  forbidden: "This key's role may not see this",
  unavailable: 'Not available on this hub',
  'not-found': 'Not found',
  invalid: 'The hub refused the request',
  'rate-limited': 'Too many requests for this key',
  server: 'The hub had a problem',
  network: 'The hub cannot be reached',
};

export function ErrorState({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div class={`state state-error error-${error.kind}`} role="alert">
      <strong>{ERROR_TITLES[error.kind]}</strong>
      <p>{error.message}</p>
      {retry && error.kind !== 'forbidden' && error.kind !== 'not-found' ? (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/**
 * Renders a remote value with a designed state for each case: loading, error
 * (with the last data kept when a refresh failed), unavailable feature, ready.
 */
export function RemoteView<T>({
  remote,
  loading,
  feature,
  unavailable,
  children,
}: {
  remote: Remote<T> & { reload: () => void };
  loading: string;
  /** Name shown when the API does not exist on this hub. */
  feature?: string;
  unavailable?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  if (remote.state === 'loading') return <Loading what={loading} />;
  if (remote.state === 'error') {
    if (remote.error.kind === 'unavailable' && feature) return <Unavailable feature={feature}>{unavailable}</Unavailable>;
    if (remote.data !== undefined) {
      return (
        <>
          <p class="stale-note" role="status">
            Showing the last answer: the latest refresh failed ({remote.error.message}).
          </p>
          {children(remote.data)}
        </>
      );
    }
    return <ErrorState error={remote.error} retry={remote.reload} />;
  }
  return <>{children(remote.data)}</>;
}
