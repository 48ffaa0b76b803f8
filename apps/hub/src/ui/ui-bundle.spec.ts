import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateUiBundle } from './ui-bundle';

describe('locateUiBundle', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'concord-ui-bundle-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const built = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  };

  it('given the compiled hub (dist/apps/hub/src/ui), finds dist/ui', () => {
    built(join(root, 'dist/ui'));
    expect(locateUiBundle('', join(root, 'dist/apps/hub/src/ui'))).toEqual({ dir: join(root, 'dist/ui'), built: true });
  });

  it('given the sources (apps/hub/src/ui, as tests run them), finds dist/ui at the repository root', () => {
    built(join(root, 'dist/ui'));
    expect(locateUiBundle('', join(root, 'apps/hub/src/ui'))).toEqual({ dir: join(root, 'dist/ui'), built: true });
  });

  it('a configured directory wins, and is reported unbuilt without an index.html', () => {
    built(join(root, 'dist/ui'));
    const configured = join(root, 'elsewhere');
    expect(locateUiBundle(configured, join(root, 'apps/hub/src/ui'))).toEqual({ dir: configured, built: false });
    built(configured);
    expect(locateUiBundle(configured, join(root, 'apps/hub/src/ui')).built).toBe(true);
  });

  it('nothing built anywhere: unbuilt, pointing at the first place it looked', () => {
    expect(locateUiBundle('', join(root, 'dist/apps/hub/src/ui'))).toEqual({ dir: join(root, 'dist/ui'), built: false });
  });
});
