import { useState } from 'preact/hooks';
import type { Api, Query } from '../api/http';
import { useSession } from './context';

/**
 * A CSV export needs the key in a header, so a plain link cannot fetch it:
 * the file is fetched with the key, then handed to the browser as a download.
 */
export function DownloadCsv({ path, query, filename, label }: { path: string; query: Query; filename: string; label: string }) {
  const { api } = useSession();
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <span class="download">
      <button type="button" class="secondary" disabled={busy} onClick={() => void save(api, path, query, filename, setBusy, setProblem)}>
        {busy ? 'Exporting…' : label}
      </button>
      {problem ? (
        <span class="error-text" role="alert">
          {problem}
        </span>
      ) : null}
    </span>
  );
}

async function save(api: Api, path: string, query: Query, filename: string, setBusy: (b: boolean) => void, setProblem: (p: string | undefined) => void) {
  setBusy(true);
  setProblem(undefined);
  try {
    const text = await api.text(path, { ...query, format: 'csv' });
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    setProblem(error instanceof Error ? error.message : String(error));
  } finally {
    setBusy(false);
  }
}
