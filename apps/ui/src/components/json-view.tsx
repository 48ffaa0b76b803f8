/** Pretty JSON when the text parses, the raw text otherwise; always text, never HTML. */
export function JsonView({ text, label }: { text: string; label: string }) {
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as received
  }
  return (
    <pre class="json" tabIndex={0} aria-label={label}>
      {shown}
    </pre>
  );
}
