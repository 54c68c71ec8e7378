import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../helpers/free-port.ts';

test('npm run demo: the service in demo mode on loopback, a working dashboard link, Ctrl-C cleans up', async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, [new URL('../../scripts/demo.ts', import.meta.url).pathname], { env: { ...process.env, PORTICO_DEMO_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  let errText = '';
  child.stderr.on('data', (d: Buffer) => (errText += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready in 30 s:\n${out}\n${errText}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => { out += d; if (out.includes('Press Ctrl+C')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (c) => { clearTimeout(timer); reject(new Error(`demo exited (${c}):\n${out}\n${errText}`)); });
  });
  const link = /Open the dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+))/.exec(out);
  assert.ok(link, out);
  assert.equal(Number(link[2]), port);
  const status = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { Authorization: `Bearer ${link[3]}` } }).then((r) => r.json()) as { demo: boolean; domains: string[]; door: { state: string }; router: { mode: string } };
  assert.equal(status.demo, true);
  assert.deepEqual(status.domains, ['plex.demo.test']);
  assert.equal(status.door.state, 'running');
  assert.equal(status.router.mode, 'off');
  const page = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>Portico<\/title>/);
  const dataDir = /temporary data: +(\S+)/.exec(out)?.[1];
  assert.ok(dataDir && existsSync(dataDir), out);

  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0);
  assert.match(out, /Stopping the demo/);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'nothing listens after Ctrl-C');
  assert.equal(existsSync(dataDir), false, 'the temporary data directory is removed');
});
