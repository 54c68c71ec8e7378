/**
 * The headless service as NAS and Linux users install it: `npm pack` (which builds dist/ through
 * `prepare`), a global install of that tarball into a temporary prefix with npm offline (the
 * dependencies travel inside the tarball, so a machine with only Node needs nothing else), then the
 * installed `portico serve` on free loopback ports answers GET /api/status with its token and
 * stops cleanly on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';

const root = new URL('../../', import.meta.url).pathname;
/** The packed tarball must stay under this (measured 3.8 MB on 2026-12-02; docs/install.md states it). */
const TARBALL_BUDGET_BYTES = 6 * 1024 * 1024;

test('npm pack → npm install -g --offline → `portico serve` answers its API and stops on SIGTERM', { timeout: 600_000 }, async (t) => {
  const work = await tmpDir(t, 'portico-npm-');
  // npm runs with the project's Node first on PATH, as the bin's `#!/usr/bin/env -S node …` finds it.
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
  delete env.PORTICO_FROM_SOURCE;
  const npm = (args: string[]) => {
    const r = spawnSync('npm', args, { cwd: root, env, encoding: 'utf8' });
    assert.equal(r.status, 0, `npm ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout.trim();
  };

  const tarball = join(work, npm(['pack', '--silent', '--pack-destination', work]).split('\n').pop()!);
  const size = statSync(tarball).size;
  t.diagnostic(`tarball: ${(size / 1024 / 1024).toFixed(1)} MB`);
  assert.ok(size < TARBALL_BUDGET_BYTES, `${tarball} is ${size} bytes, over the ${TARBALL_BUDGET_BYTES}-byte budget`);

  // An empty cache and --offline: the install cannot reach any registry.
  const prefix = join(work, 'prefix');
  npm(['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball]);
  const pkgDir = join(prefix, 'lib', 'node_modules', 'portico');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  for (const d of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(pkgDir, 'node_modules', d, 'package.json')), `dependency ${d} installed`);
  for (const d of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(join(pkgDir, 'node_modules', d)), `devDependency ${d} not installed`);
  assert.ok(!existsSync(join(pkgDir, 'main')), 'the installed package runs the build, not the TypeScript sources');
  assert.ok(existsSync(join(pkgDir, 'resources', 'linux', 'portico.service')), 'the systemd unit ships');
  assert.deepEqual(readdirSync(join(pkgDir, 'dist')).sort(), ['main', 'renderer']);

  const uiPort = await freePort();
  const config = join(work, 'portico.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(work, 'data'), door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null }, router: { mode: 'off' }, ui: { port: uiPort } }));
  const child = spawn(join(prefix, 'bin', 'portico'), ['serve', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d; });
  child.stderr.on('data', (d: Buffer) => { stderr += d; });
  const exited = once(child, 'exit');

  const dash = await waitFor('the dashboard line', () => /^Dashboard: http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+)$/m.exec(stdout), 60_000);
  assert.equal(Number(dash[1]), uiPort);
  // The V8 heap limits are how the service runs (they cut the door's memory under load; docs/bench.md).
  const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
  assert.match(cmdline, /--max-semi-space-size=2\0/);
  assert.match(cmdline, /--heap-growing-percent=50\0/);

  const unauth = await fetch(`http://127.0.0.1:${uiPort}/api/status`);
  assert.equal(unauth.status, 401, 'the API needs the token');
  const res = await fetch(`http://127.0.0.1:${uiPort}/api/status`, { headers: { authorization: `Bearer ${dash[2]}` } });
  assert.equal(res.status, 200);
  const status = await res.json() as Record<string, unknown>;
  for (const k of ['door', 'certificates', 'plex', 'router', 'health']) assert.ok(k in status, `status has ${k}`);
  assert.equal((status.door as { state: string }).state, 'running');

  child.kill('SIGTERM');
  const [code] = await exited as [number | null];
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stopped/);
});
