/**
 * The desktop app as electron-builder packs it: `npm run build`, then electron-builder's Linux
 * `dir` target with a stand-in Electron distribution (the real binary cannot be downloaded here,
 * so the fuses step, which rewrites that binary, is the one thing skipped). The resulting
 * resources/app.asar is opened with @electron/asar and checked for what the app loads at run time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire, isBuiltin } from 'node:module';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { appPaths, trayIconFiles } from '../../main/app/app-paths.ts';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(`${root}package.json`);
const asar = require('@electron/asar') as {
  listPackage(archive: string, opts: object): string[];
  extractFile(archive: string, file: string): Buffer;
};
const builder = require('electron-builder') as {
  build(opts: object): Promise<string[]>;
  Platform: { LINUX: { createTarget(type: string): unknown } };
};

/** app.asar must stay under this (measured 13.9 MB on 2026-12-02; docs/app.md states it). */
const ASAR_BUDGET_BYTES = 20 * 1024 * 1024;

/** Static imports/re-exports (possibly over several lines), dynamic import() and require(). */
const IMPORT = /^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/gm;

interface Lock { packages: Record<string, { name?: string; version: string; dev?: boolean; devOptional?: boolean }> }
/** A package's own manifest: node_modules/<name>/package.json at any depth (not files in its subfolders). */
const PACKAGE_JSON = /^((?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/;
interface Pkg { name: string; main: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> }

async function packLinuxDir(t: Parameters<typeof tmpDir>[0]): Promise<string> {
  const build = spawnSync(process.execPath, [`${root}scripts/build.ts`], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`);
  const work = await tmpDir(t, 'portico-pack-');
  const electronDist = join(work, 'electron-dist');
  mkdirSync(electronDist);
  writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(electronDist, 'electron'), 0o755);
  const out = join(work, 'out');
  await builder.build({
    projectDir: root,
    targets: builder.Platform.LINUX.createTarget('dir'),
    publish: 'never',
    config: { electronDist, electronFuses: null, directories: { output: out } },
  });
  return join(out, 'linux-unpacked', 'resources', 'app.asar');
}

test('electron-builder packs an app.asar that holds everything the app loads, its production dependencies and nothing from devDependencies', { timeout: 300_000 }, async (t) => {
  const archive = await packLinuxDir(t);
  const entries = new Set(asar.listPackage(archive, {}).map((f) => f.replace(/\\/g, '/').replace(/^\//, '')));
  const has = (p: string) => entries.has(p);
  const read = (p: string) => asar.extractFile(archive, p).toString('utf8');

  const size = statSync(archive).size;
  t.diagnostic(`app.asar: ${(size / 1024 / 1024).toFixed(1)} MB, ${entries.size} entries`);
  assert.ok(size < ASAR_BUDGET_BYTES, `app.asar is ${size} bytes, over the ${ASAR_BUDGET_BYTES}-byte budget: find what grew (a devDependency moved to dependencies?)`);

  // The paths main.ts computes, from the directory of the `main` that package.json names.
  const pkg = JSON.parse(read('package.json')) as Pkg;
  assert.ok(has(pkg.main), `package.json main ${pkg.main} is in the archive`);
  const paths = appPaths(posix.dirname(pkg.main));
  for (const [what, p] of Object.entries(paths)) {
    if (what === 'resourcesDir') continue;
    assert.ok(has(posix.normalize(p)), `${what} (${p}) is in the archive`);
  }
  for (const f of trayIconFiles()) assert.ok(has(posix.join(paths.resourcesDir, f)), `tray icon ${f} is in the archive`);

  // What the renderer page loads, read from the page itself.
  const indexDir = posix.dirname(paths.rendererIndex);
  const refs = [...read(paths.rendererIndex).matchAll(/\s(?:src|href)="([^"#:]+)"/g)].map((m) => m[1]!);
  assert.ok(refs.includes('app.js') && refs.includes('styles.css'), `index.html loads the bundle and the styles (found ${refs.join(', ')})`);
  for (const r of refs) assert.ok(has(posix.join(indexDir, r)), `renderer file ${r} is in the archive`);

  // Every module the main process and the preload import, followed from main.js through the graph.
  const prod = new Set(Object.keys(pkg.dependencies ?? {}));
  const seen = new Set<string>();
  const queue = [pkg.main, paths.preload];
  const bare = new Set<string>();
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    assert.ok(has(file), `${file} (imported at run time) is in the archive`);
    const src = read(file);
    for (const m of src.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.')) queue.push(posix.normalize(posix.join(posix.dirname(file), spec)));
      else if (!isBuiltin(spec) && spec !== 'electron') bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  assert.ok(seen.size > 50, `followed the import graph (${seen.size} files)`);
  for (const name of bare) {
    assert.ok(prod.has(name), `${name} is imported at run time, so it must be in "dependencies", not devDependencies`);
    assert.ok(has(`node_modules/${name}/package.json`), `${name} is in the archive`);
  }

  // Every package version npm installs for production is inside, and no development-only one
  // (electron-builder hoists differently from npm, so compare name@version, not paths).
  const shipped = new Set<string>();
  for (const e of entries) {
    if (!PACKAGE_JSON.test(e)) continue;
    const p = JSON.parse(read(e)) as Pkg & { version: string };
    shipped.add(`${p.name}@${p.version}`);
  }
  const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as Lock;
  const wanted = new Set<string>(), devOnly = new Set<string>();
  for (const [path, info] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/')) continue;
    const id = `${info.name ?? path.slice(path.lastIndexOf('node_modules/') + 13)}@${info.version}`;
    (info.dev || info.devOptional ? devOnly : wanted).add(id);
  }
  for (const id of wanted) assert.ok(shipped.has(id), `${id} is a production dependency and must ship`);
  for (const id of devOnly) assert.ok(wanted.has(id) || !shipped.has(id), `${id} is development-only and must not ship`);
  for (const name of Object.keys((JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Pkg).devDependencies ?? {})) {
    assert.ok(!has(`node_modules/${name}/package.json`), `devDependency ${name} is not in the archive`);
  }

  // Each shipped package finds its own dependencies by Node's lookup inside the archive.
  const resolvesFrom = (dir: string, name: string): boolean => {
    for (;; dir = posix.dirname(dir)) {
      if (has(posix.join(dir, 'node_modules', name, 'package.json'))) return true;
      if (dir === '.') return false;
    }
  };
  for (const e of entries) {
    const m = PACKAGE_JSON.exec(e);
    if (!m) continue;
    const dep = JSON.parse(read(e)) as Pkg;
    for (const d of Object.keys(dep.dependencies ?? {})) assert.ok(resolvesFrom(m[1]!, d), `${dep.name} needs ${d}, which is not in the archive`);
  }
});
