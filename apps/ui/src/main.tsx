import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('app')!;
// index.html shows a loading line until the script runs; render replaces it rather than appending after it.
root.replaceChildren();
render(<App />, root);
