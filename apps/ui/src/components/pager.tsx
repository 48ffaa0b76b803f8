export function Pager({ page, hasNext, onNext, onPrevious, label }: { page: number; hasNext: boolean; onNext: () => void; onPrevious: () => void; label: string }) {
  if (page === 1 && !hasNext) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" class="secondary" onClick={onPrevious} disabled={page === 1}>
        ← Previous
      </button>
      <span aria-live="polite">Page {page}</span>
      <button type="button" class="secondary" onClick={onNext} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}
