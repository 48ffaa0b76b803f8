import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** Where the built dashboard (`npm run build` → `dist/ui`) is, and whether it is there. */
export interface UiBundle {
  readonly dir: string;
  readonly built: boolean;
}

export const UI_BUNDLE = Symbol('UiBundle');

/**
 * The bundle sits in `dist/ui` next to the compiled hub (`dist/apps/hub/src`),
 * so it is found from the hub's own location whatever the working directory:
 * `npm start` runs the compiled hub, tests run the sources.
 */
export function locateUiBundle(configured: string, here: string = __dirname): UiBundle {
  const candidates = configured
    ? [isAbsolute(configured) ? configured : resolve(configured)]
    : [join(here, '../../../../ui'), join(here, '../../../../dist/ui')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  return { dir: found ?? candidates[0]!, built: found !== undefined };
}
