// Build: tsc emits main/ to dist/ (ESM, .ts imports rewritten to .js); esbuild bundles the
// renderer (browser) and the preload (CommonJS, as sandboxed preloads must be).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, cpSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const tsc = `${root}node_modules/typescript/bin/tsc`;
rmSync(`${root}dist`, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });

if (existsSync(`${root}renderer/app.ts`)) {
  mkdirSync(`${root}dist/renderer`, { recursive: true });
  await build({ entryPoints: [`${root}renderer/app.ts`], bundle: true, format: 'esm', target: 'chrome120', outfile: `${root}dist/renderer/app.js`, sourcemap: true, logLevel: 'warning' });
  for (const f of ['index.html', 'styles.css']) if (existsSync(`${root}renderer/${f}`)) cpSync(`${root}renderer/${f}`, `${root}dist/renderer/${f}`);
  if (existsSync(`${root}renderer/assets`)) cpSync(`${root}renderer/assets`, `${root}dist/renderer/assets`, { recursive: true });
}
if (existsSync(`${root}main/preload/preload.ts`)) {
  await build({ entryPoints: [`${root}main/preload/preload.ts`], bundle: true, platform: 'node', format: 'cjs', external: ['electron'], target: 'node22', outfile: `${root}dist/main/preload/preload.cjs`, logLevel: 'warning' });
}
console.log('build: dist/ ready');
