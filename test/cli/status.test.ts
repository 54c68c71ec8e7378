import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '../../main/cli/commands/status.ts';
import { UiServer } from '../../main/core/ui/ui-server.ts';
import { UiToken } from '../../main/core/ui/ui-token.ts';
import { silentLogger } from '../../main/core/support/logger.ts';
import type { PorticoApiHandlers } from '../../main/shared/api.ts';
import type { AppStatus, Health } from '../../main/shared/status.ts';
import type { CliIo } from '../../main/cli/io.ts';
import { healthyStatus } from '../shared/app-status-fixture.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';

function bufferIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [], stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {} };
}

async function configFile(t: TestContext) {
  const dir = await tmpDir(t);
  const port = await freePort();
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({ domains: ['plex.example.com'], dataDir: join(dir, 'data'), ui: { port } }));
  return { dir, port, file, dataDir: join(dir, 'data') };
}

test('prints the running service status as JSON with the contract keys, or as a summary', async (t) => {
  const { port, file, dataDir } = await configFile(t);
  const ui = new UiServer({
    port, staticDir: null, handlers: {} as PorticoApiHandlers, token: await UiToken.create(dataDir), logger: silentLogger,
    getStatus: () => healthyStatus(), onDidChangeStatus: () => () => {},
  });
  await ui.start();
  t.after(() => ui.stop());

  const io = bufferIo();
  assert.equal(await status(['--json', '--config', file], io), 0);
  const s = JSON.parse(io.stdout.join('\n'));
  for (const k of ['door', 'certificates', 'plex', 'router', 'health']) assert.ok(k in s, `missing ${k}`);
  assert.deepEqual(s, healthyStatus());

  const human = bufferIo();
  assert.equal(await status(['--config', file], human), 0);
  const text = human.stdout.join('\n');
  assert.match(text, /^Portico 0\.1\.0: All good - https:\/\/plex\.example\.com works/);
  assert.match(text, /Certificate:\s+plex\.example\.com valid until 2027-01-30/);
  assert.match(text, /Router:\s+mapped \(TCP 443 -> 192\.168\.1\.20:8443\)/);
});

test('the exit code follows the verdict: anything but "ok" exits 3, in JSON and as text, with the reason', async (t) => {
  const { port, file, dataDir } = await configFile(t);
  let current: AppStatus = healthyStatus();
  const ui = new UiServer({
    port, staticDir: null, handlers: {} as PorticoApiHandlers, token: await UiToken.create(dataDir), logger: silentLogger,
    getStatus: () => current, onDidChangeStatus: () => () => {},
  });
  await ui.start();
  t.after(() => ui.stop());
  const cases: [Health, RegExp][] = [
    [{ state: 'warning', reason: 'plex.example.com has no A or AAAA record yet.', action: 'Create an A record.', area: 'dns' }, /^Portico 0\.1\.0: Needs attention - plex\.example\.com has no A or AAAA record yet\.$/m],
    [{ state: 'error', reason: 'The CA could not reach https://plex.example.com on port 443.', area: 'outside' }, /^Portico 0\.1\.0: Not working - The CA could not reach/m],
    [{ state: 'working', reason: 'Getting a certificate for plex.example.com', area: 'certificate' }, /^Portico 0\.1\.0: Working on it… - Getting a certificate/m],
  ];
  for (const [health, line] of cases) {
    current = { ...healthyStatus(), health };
    const json = bufferIo();
    assert.equal(await status(['--json', '--config', file], json), 3, health.state);
    assert.deepEqual((JSON.parse(json.stdout.join('\n')) as AppStatus).health, health);
    const text = bufferIo();
    assert.equal(await status(['--config', file], text), 3, health.state);
    assert.match(text.stdout.join('\n'), line);
  }
});

test('says plainly that the service is not running, and exits 1', async (t) => {
  const { file, dataDir } = await configFile(t);
  const io = bufferIo();
  assert.equal(await status(['--json', '--config', file], io), 1);
  assert.match(io.stderr.join('\n'), /Portico is not running with this config.*portico serve --config/);
  assert.deepEqual(io.stdout, []);

  await UiToken.create(dataDir); // left behind by a service that has stopped
  const io2 = bufferIo();
  assert.equal(await status(['--config', file], io2), 1);
  assert.match(io2.stderr.join('\n'), /Portico is not running \(nothing answers on 127\.0\.0\.1:\d+: ECONNREFUSED\); start it with `portico serve/);
});

test('bad usage exits 2', async () => {
  const io = bufferIo();
  assert.equal(await status(['--bogus'], io), 2);
  assert.equal(await status([], bufferIo()), 2);
});
