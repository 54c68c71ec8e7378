import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { run } from '../core/proxy/door-fixtures.ts';
import { startPebble } from '../helpers/pebble.ts';
import { PmsStandIn } from '../stand-ins/pms.ts';
import { UiToken } from '../../main/core/ui/ui-token.ts';
import { firewallHint } from '../../main/shared/firewall-hint.ts';

const BIN = new URL('../../bin/portico.js', import.meta.url).pathname;

function portico(args: string[]) {
  const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PORTICO_FROM_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  c.stdout.on('data', (d: Buffer) => { out.stdout += d; });
  c.stderr.on('data', (d: Buffer) => { out.stderr += d; });
  const exited = once(c, 'exit').then(([code]) => code as number | null);
  return { child: c, out, exited };
}

test('bad config: one line per problem naming the key, exit 2', async (t) => {
  const dir = await tmpDir(t);
  const file = join(dir, 'bad.json');
  await writeFile(file, JSON.stringify({ domains: ['not a name'], door: { httpsPorts: [70000] }, plex: { url: 'nope' } }));
  const p = portico(['serve', '--config', file]);
  assert.equal(await p.exited, 2);
  const lines = p.out.stderr.trim().split('\n');
  assert.equal(lines.length, 3, p.out.stderr);
  assert.ok(lines.some((l) => l.startsWith('config: domains[0]: ')));
  assert.ok(lines.some((l) => l.startsWith('config: door.httpsPorts[0]: ')));
  assert.ok(lines.some((l) => l.startsWith('config: plex.url: ')));
});

test('careless config: each mistake is one line naming the key and the fix, exit 2', async (t) => {
  const dir = await tmpDir(t);
  const cases: [unknown, RegExp[]][] = [
    [{
      domains: ['plëx.example.com', '*.plex.direct'], router: { mod: 'off' }, plex: { url: 'http://me:hunter2@127.0.0.1:32400' },
      door: { bind: 'my-nas', httpsPorts: [0, 9000] }, ui: { port: 9000 },
    }, [
      /^config: domains\[0\]: .*punycode: use "xn--plx-kma\.example\.com"$/,
      /^config: domains\[1\]: "\*\.plex\.direct" belongs to Plex/,
      /^config: door\.bind: "my-nas" is not an IP address/,
      /^config: door\.httpsPorts\[0\]: 0 is not a port/,
      /^config: plex\.url: must not contain a user name or password \(http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:32400\/\)/,
      /^config: router\.mod: unknown key; did you mean router\.mode\?$/,
      /^config: ui\.port: 9000 is also the door's HTTPS port/,
      /^config: dns\.provider: is needed for "\*\.plex\.direct": a wildcard certificate can only be validated with dns-01/,
    ]],
    [{ domains: 'plex.example.com', plex: { tlsPort: 8443 } }, [
      /^config: domains: must be a list/,
      /^config: plex\.tlsPort: 8443 on 127\.0\.0\.1 is Portico's own HTTPS port/,
    ]],
  ];
  for (const [i, [doc, expected]] of cases.entries()) {
    const file = join(dir, `careless-${i}.json`);
    await writeFile(file, JSON.stringify(doc));
    const p = portico(['serve', '--config', file]);
    assert.equal(await p.exited, 2, p.out.stderr);
    const lines = p.out.stderr.trim().split('\n');
    assert.equal(lines.length, expected.length, p.out.stderr);
    for (const re of expected) assert.equal(lines.filter((l) => re.test(l)).length, 1, `${re}\n${p.out.stderr}`);
    assert.ok(!p.out.stderr.includes('hunter2'));
  }
});

test('good config: listens, proxies to Plex, prints the dashboard link, `portico status --json` answers, exits 0 on SIGTERM; busy ports are one clear line and exit 1', async (t) => {
  const dir = await tmpDir(t);
  const uiPort = await freePort();
  const pms = createServer((req, res) => res.end(`pms saw ${req.headers['x-forwarded-for']}`));
  await new Promise<void>((r) => pms.listen(0, '127.0.0.1', r));
  t.after(() => pms.close());
  // A hand-written config that names a domain is a finished setup: serve gets the certificate at once.
  const doorPort = await freePort();
  const pebble = await startPebble({ tlsPort: doorPort });
  t.after(() => pebble.stop());
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({
    domains: ['plex.example.com'], dataDir: join(dir, 'data'),
    door: { bind: '127.0.0.1', httpsPorts: [doorPort], httpPort: await freePort() },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'tls-alpn-01', preflight: false },
    plex: { url: `http://127.0.0.1:${(pms.address() as { port: number }).port}` },
    router: { mode: 'off' },
    publicIp: { lookup: false }, // tests never ask the internet for the public address
    ui: { port: uiPort },
  }));
  const p = portico(['serve', '--config', file]);
  t.after(() => { if (p.child.exitCode === null) p.child.kill('SIGKILL'); });
  const line = await waitFor('HTTPS door line', () => /HTTPS door: 127\.0\.0\.1:(\d+) \(router: WAN 443 -> this machine:\d+\)/.exec(p.out.stdout), 15_000);
  const port = Number(line[1]);
  // The lines reach the pipe one write at a time: wait for the next one rather than assume it came with the first.
  await waitFor('HTTP door line', () => /HTTP door: +127\.0\.0\.1:\d+ \(router: WAN 80/.exec(p.out.stdout), 5000);
  const r = await run('curl', ['-sk', '--resolve', `plex.example.com:${port}:127.0.0.1`, `https://plex.example.com:${port}/identity`]);
  assert.equal(r.stdout, 'pms saw 127.0.0.1');

  const dash = await waitFor('dashboard line', () => /^Dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/#token=[\w-]{43})$/m.exec(p.out.stdout), 5000);
  assert.equal(Number(dash[2]), uiPort);
  assert.equal(p.out.stdout.split('Dashboard:').length, 2, 'the link (it carries the token) is printed once');
  const st = portico(['status', '--json', '--config', file]);
  // Not "ok" (nothing here is signed in to Plex), so the exit code says so; the JSON is printed all the same.
  assert.equal(await st.exited, 3, st.out.stderr);
  const status = JSON.parse(st.out.stdout) as Record<string, unknown>;
  assert.notEqual((status.health as { state: string }).state, 'ok');
  for (const k of ['door', 'certificates', 'plex', 'router', 'health']) assert.ok(k in status, `status --json has ${k}`);
  assert.equal((status.door as { state: string }).state, 'running');
  assert.deepEqual(status.domains, ['plex.example.com']);
  const issuer = await waitFor('the pebble certificate on the door, with no restart', async () => {
    const s = await run('sh', ['-c', `echo | openssl s_client -connect 127.0.0.1:${port} -servername plex.example.com 2>/dev/null | openssl x509 -noout -issuer`]);
    return /Pebble/i.test(s.stdout) ? s.stdout : null;
  }, 20_000, 200);
  assert.match(issuer, /Pebble Intermediate/i);

  // the dashboard's port taken: one line naming it, exit 1
  await writeFile(join(dir, 'ui-busy.json'), JSON.stringify({ dataDir: join(dir, 'data3'), door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null }, router: { mode: 'off' }, ui: { port: uiPort } }));
  const uiBusy = portico(['serve', '--config', join(dir, 'ui-busy.json')]);
  assert.equal(await uiBusy.exited, 1);
  const uiErr = uiBusy.out.stderr.split('\n').filter((l) => l.startsWith('portico serve:'));
  assert.equal(uiErr.length, 1, uiBusy.out.stderr);
  assert.match(uiErr[0]!, new RegExp(`127\\.0\\.0\\.1:${uiPort}.*in use.*ui`));

  // a second instance on the same port fails clearly
  await writeFile(join(dir, 'second.json'), JSON.stringify({ domains: ['plex.example.com'], dataDir: join(dir, 'data2'), door: { bind: '127.0.0.1', httpsPorts: [port], httpPort: null }, router: { mode: 'off' }, ui: { port: 0 } }));
  const second = portico(['serve', '--config', join(dir, 'second.json')]);
  assert.equal(await second.exited, 1);
  const errLines = second.out.stderr.split('\n').filter((l) => l.startsWith('portico serve:'));
  assert.equal(errLines.length, 1, second.out.stderr);
  assert.match(errLines[0]!, new RegExp(`port ${port} .*already in use.*door\\.httpsPorts`));

  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  assert.match(p.out.stderr, /stopped/);
});

test('the CA cannot reach the door: Verify\'s failed outside check is the verdict of `portico status` (JSON and text, exit 3), with the firewall named in its fix', async (t) => {
  const dir = await tmpDir(t);
  const pms = new PmsStandIn({ supportDir: join(dir, 'pms'), ownerToken: 'owner-token-serve-verdict' });
  await pms.start();
  t.after(() => pms.stop());
  const doorPort = await freePort();
  // Until the test says otherwise the CA's validator reaches the door (the name resolves to 127.0.0.1).
  const pebble = await startPebble({ tlsPort: doorPort });
  t.after(() => pebble.stop());
  const uiPort = await freePort();
  const dataDir = join(dir, 'data');
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({
    domains: ['plex.example.com'], dataDir,
    door: { bind: '127.0.0.1', httpsPorts: [doorPort], httpPort: null },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'tls-alpn-01', preflight: false },
    plex: { url: pms.url },
    // No public DNS here: a closed local port answers at once instead of a resolver timing out.
    dns: { resolver: `127.0.0.1:${await freePort()}` },
    router: { mode: 'off' },
    ui: { port: uiPort },
  }));
  const p = portico(['serve', '--config', file]);
  t.after(() => { if (p.child.exitCode === null) p.child.kill('SIGKILL'); });
  type Status = { health: { state: string; reason: string }; certificates: { state: string }[]; checks?: { id: string; ok: boolean | null; detail: string; fix?: string }[] };
  const status = async (json = true) => {
    const c = portico(['status', ...(json ? ['--json'] : []), '--config', file]);
    const code = await c.exited;
    return { code, out: c.out.stdout, status: json && c.out.stdout ? JSON.parse(c.out.stdout) as Status : null };
  };
  await waitFor('the certificate from pebble', async () => (await status()).status?.certificates[0]?.state === 'valid', 30_000, 250);

  // Now the CA finds the name at an address where nothing forwards to the door.
  const moved = await fetch(`http://${pebble.challtestsrv}/set-default-ipv4`, { method: 'POST', body: JSON.stringify({ ip: '127.0.0.2' }) });
  assert.ok(moved.ok);
  const token = await UiToken.read(dataDir);
  const res = await fetch(`http://127.0.0.1:${uiPort}/api/verify:run`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{"args":[]}' });
  const verify = await res.json() as { ok: boolean; value: { id: string; ok: boolean | null; detail: string; fix?: string }[] };
  assert.equal(verify.ok, true, JSON.stringify(verify));
  const outside = verify.value.find((c) => c.id === 'outside');
  assert.equal(outside?.ok, false, JSON.stringify(verify.value, null, 1));
  assert.match(outside.detail, /could not reach https:\/\/plex\.example\.com on port 443 from the internet .*could not connect/);
  assert.ok(outside.fix?.includes(firewallHint(process.platform, [doorPort])), outside.fix);

  const json = await status();
  assert.equal(json.code, 3, json.out);
  assert.deepEqual(json.status!.health.state, 'error');
  assert.equal(json.status!.health.reason, outside.detail.replace(/\s*\n\s*/g, ' ').trim(), 'the same reason as Verify');
  assert.deepEqual(json.status!.checks?.find((c) => c.id === 'outside'), outside, 'the status carries the check Verify showed');
  const text = await status(false);
  assert.equal(text.code, 3);
  assert.match(text.out.split('\n')[0]!, /^Portico [\w.-]+: Not working - .*could not reach https:\/\/plex\.example\.com on port 443/);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
});

test('setup pending: `{}` starts the door without routes and says to open the dashboard', async (t) => {
  const dir = await tmpDir(t);
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({ dataDir: join(dir, 'data'), door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null }, router: { mode: 'off' }, ui: { port: 0 } }));
  const p = portico(['serve', '--config', file]);
  t.after(() => { if (p.child.exitCode === null) p.child.kill('SIGKILL'); });
  await waitFor('dashboard line', () => /^Dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=/m.exec(p.out.stdout), 15_000);
  assert.match(p.out.stdout, /Setup not finished: no domain yet\. Open the dashboard to choose your domain\./);
  assert.doesNotMatch(p.out.stdout, /^route:/m, 'no routes before a domain is chosen');
  assert.match(p.out.stdout, /^plex\.direct \(\*\.plex\.direct\) -> 127\.0\.0\.1:32400; other names and no SNI: refused$/m, 'only plex.direct passes through, even before a domain');
  p.child.kill('SIGINT');
  assert.equal(await p.exited, 0);
});

test('the dashboard on the network: on in the file without a password stays closed and says so; `portico ui-password` next to it opens it; no password in any output', async (t) => {
  const dir = await tmpDir(t);
  const file = join(dir, 'portico.json');
  const lanPort = await freePort('127.0.0.2');
  await writeFile(file, JSON.stringify({
    dataDir: join(dir, 'data'), door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null }, router: { mode: 'off' },
    ui: { port: await freePort(), lan: { enabled: true, bind: '127.0.0.2', port: lanPort } },
  }));
  const p = portico(['serve', '--config', file]);
  t.after(() => { if (p.child.exitCode === null) p.child.kill('SIGKILL'); });
  await waitFor('LAN line', () => /^Dashboard on your network: .*$/m.exec(p.out.stdout), 15_000);
  assert.match(p.out.stdout, /^Dashboard on your network: not open\. It is turned on, but no password is set yet, so it stays closed\. Set a password to open it\. Set one with `portico ui-password --config FILE`\.$/m);
  await assert.rejects(fetch(`http://127.0.0.2:${lanPort}/login`), 'nothing listens without a password');

  const pw = spawn(process.execPath, [BIN, 'ui-password', '--config', file], { env: { ...process.env, PORTICO_FROM_SOURCE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let said = '';
  pw.stdout.on('data', (d: Buffer) => { said += d; });
  pw.stderr.on('data', (d: Buffer) => { said += d; });
  pw.stdin.end('correct horse battery\n');
  assert.equal((await once(pw, 'exit'))[0], 0, said);
  assert.match(said, /The running service uses it now/);

  const page = await fetch(`http://127.0.0.2:${lanPort}/login`);
  assert.equal(page.status, 200, 'the first password opened it at once');
  const signIn = await fetch(`http://127.0.0.2:${lanPort}/login`, {
    method: 'POST', redirect: 'manual', body: 'password=correct+horse+battery',
    headers: { Origin: `http://127.0.0.2:${lanPort}`, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(signIn.status, 303);
  p.child.kill('SIGINT');
  assert.equal(await p.exited, 0);
  for (const text of [p.out.stdout, p.out.stderr, said]) assert.ok(!text.includes('correct horse'), text);
  assert.match(p.out.stderr + p.out.stdout, /signed in to the dashboard from the local network/);
});
