import { useState } from 'preact/hooks';

export function LoginPage({ problem, onKey }: { problem?: string; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <main id="main" class="login">
      <form
        class="card login-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <h1>Concord command center</h1>
        <p>Paste an API key. It is kept in this browser tab only (session storage) and sent to this hub's API with every request.</p>
        {problem ? (
          <p class="state state-error" role="alert">
            {problem}
          </p>
        ) : null}
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" spellcheck={false} value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required autoFocus />
        <button type="submit" disabled={!key.trim()}>
          Log in
        </button>
        <p class="hint">
          No key yet? An admin creates one with <code>npm run concord -- keys create --role analyst</code>.
        </p>
      </form>
    </main>
  );
}
