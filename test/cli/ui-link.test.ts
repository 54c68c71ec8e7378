import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../main/cli/portico.ts';
import type { CliIo } from '../../main/cli/io.ts';
import { configFile, okHandlers, runningDashboard } from './cli-fixtures.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';

function bufferIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [], stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {} };
}

async function uiLink(...args: string[]) {
  const io = bufferIo();
  const code = await main(['ui-link', ...args], io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

/** A service behind the dashboard whose channels all answer ok: these tests are about the link. */
const handlers = okHandlers();
const tokenOf = (link: string) => new URL(link).hash.replace('#token=', '');

test('portico ui-link prints the same link every time, before and after serve starts, and serve answers to it', async (t) => {
  const { port, file, dataDir } = await configFile(t);
  const a = await uiLink('--config', file);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, new RegExp(`^http://127\\.0\\.0\\.1:${port}/#token=[A-Za-z0-9_-]{43}$`));
  assert.equal((await stat(join(dataDir, 'ui-token'))).mode & 0o777, 0o600);
  assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
  assert.equal((await uiLink('--config', file)).out, a.out);

  const ui = await runningDashboard(t, dataDir, port, handlers);
  assert.equal(ui.url, a.out, 'the service uses the link printed before it started');
  assert.equal((await uiLink('--config', file)).out, a.out, 'and ui-link prints it while serve runs');
});

test('portico ui-link --rotate asks the running service, which refuses the old link at once', async (t) => {
  const { port, file, dataDir } = await configFile(t);
  const old = (await uiLink('--config', file)).out;
  const ui = await runningDashboard(t, dataDir, port, handlers);
  const r = await uiLink('--rotate', '--config', file);
  assert.equal(r.code, 0, r.err);
  assert.notEqual(r.out, old);
  assert.equal(r.out, ui.url);
  assert.match(r.err, /refuses the old one/);
  const get = (link: string) => fetch(`http://127.0.0.1:${port}/api/status`, { headers: { Authorization: `Bearer ${tokenOf(link)}` } }).then((x) => x.status);
  assert.equal(await get(old), 401);
  assert.equal(await get(r.out), 200);
  assert.equal((await uiLink('--config', file)).out, r.out);
});

test('portico ui-link --rotate with no service running changes the file the next serve reads', async (t) => {
  const { file, dataDir } = await configFile(t);
  const old = (await uiLink('--config', file)).out;
  const r = await uiLink('--rotate', '--config', file);
  assert.equal(r.code, 0, r.err);
  assert.notEqual(r.out, old);
  assert.match(r.err, /from its next start/);
  assert.equal((await readFile(join(dataDir, 'ui-token'), 'utf8')).trim(), tokenOf(r.out));
});

test('portico ui-link: a port picked at every start has no lasting link; a stranger on the port is not trusted', async (t) => {
  const zero = await configFile(t, { port: 0 });
  const r = await uiLink('--config', zero.file);
  assert.equal(r.code, 1);
  assert.match(r.err, /ui\.port is 0.*set a fixed "ui": \{"port": 8765\}/);
  assert.equal((await uiLink('--json', '--config', zero.file)).code, 2);

  // Another Portico (another data directory) on the port refuses our token: nothing is changed.
  const { port, file, dataDir } = await configFile(t);
  const before = (await uiLink('--config', file)).out;
  const other = await tmpDir(t);
  await runningDashboard(t, other, port, handlers);
  const refused = await uiLink('--rotate', '--config', file);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /refused the request \(HTTP 401\).*check "ui\.port" and "dataDir"/);
  assert.equal((await readFile(join(dataDir, 'ui-token'), 'utf8')).trim(), tokenOf(before));
});
