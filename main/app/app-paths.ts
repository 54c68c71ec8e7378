/**
 * Where the desktop app finds its run-time files, computed from the directory of the compiled
 * main.js (`dist/main/app` inside app.asar). Pure, so the packaging test resolves the very same
 * paths inside the built archive (test/app/package.test.ts).
 */
import { join } from 'node:path';
import type { HealthState } from '../shared/status.ts';
import { trayIconFile } from '../shared/tray-model.ts';

export interface AppPaths {
  rendererIndex: string;
  preload: string;
  resourcesDir: string;
  windowIcon: string;
}

export function appPaths(mainDir: string): AppPaths {
  const distDir = join(mainDir, '..', '..');
  const resourcesDir = join(distDir, '..', 'resources');
  return {
    rendererIndex: join(distDir, 'renderer', 'index.html'),
    preload: join(distDir, 'main', 'preload', 'preload.cjs'),
    resourcesDir,
    windowIcon: join(resourcesDir, 'icon.png'),
  };
}

// A Record so adding a health state fails typecheck here until its icons are listed.
const STATES: Record<HealthState, true> = { ok: true, warning: true, error: true, working: true };

/**
 * Every tray icon file the tray may load on any platform, relative to resourcesDir. On macOS
 * nativeImage picks `@2x` beside the 1x file by itself, so that file must ship too.
 */
export function trayIconFiles(): string[] {
  const files: string[] = [];
  for (const state of Object.keys(STATES) as HealthState[]) {
    for (const platform of ['darwin', 'win32', 'linux']) {
      const f = trayIconFile(state, platform);
      files.push(f);
      if (f.endsWith('.png')) files.push(f.replace(/\.png$/, '@2x.png'));
    }
  }
  return files;
}
