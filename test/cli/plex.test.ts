import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { systemClock } from '../../main/core/support/clock.ts';
import { main } from '../../main/cli/portico.ts';
import type { CliIo } from '../../main/cli/io.ts';
import { PmsStandIn } from '../stand-ins/pms.ts';
import { PlexTvStandIn } from '../stand-ins/plextv.ts';
import { Door } from '../../main/core/proxy/door.ts';
import { ChallengeStore } from '../../main/core/certs/challenge-store.ts';
import { silentLogger } from '../../main/core/support/logger.ts';
import { makeCert } from '../core/proxy/door-fixtures.ts';

const OWNER = { id: 1, username: 'owner', email: 'owner@example.com', token: 'owner-token-aaaaaaaa' };

async function setup(t: { after: (fn: () => unknown) => void }, plexUrl?: string, extra: object = {}) {
  const supportDir = await tmpDir(t);
  const dataDir = await tmpDir(t);
  const pms = new PmsStandIn({ supportDir, ownerToken: OWNER.token });
  await pms.start();
  t.after(() => pms.stop());
  const tv = new PlexTvStandIn({ clock: systemClock, accounts: [OWNER] });
  tv.addServer({ name: 'Living Room', machineIdentifier: pms.opts.machineIdentifier, ownerToken: OWNER.token, connections: () => [] });
  await tv.start();
  t.after(() => tv.stop());
  const config = join(dataDir, 'portico.json');
  await writeFile(config, JSON.stringify({ domains: ['plex.example.test'], dataDir, plex: { url: plexUrl ?? pms.url }, ...extra }));
  const run = async (args: string[], env: NodeJS.ProcessEnv = { PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: supportDir }) => {
    const out: string[] = [];
    const errs: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => errs.push(l), env: { PORTICO_PLEX_TV_URL: tv.url, ...env } };
    const code = await main(['plex', ...args, '--config', config], io);
    return { code, out: out.join('\n'), err: errs.join('\n') };
  };
  return { pms, tv, dataDir, supportDir, config, run };
}

test('plex status | apply | undo, human and --json, token found in PMS\'s own Preferences.xml', async (t) => {
  const s = await setup(t);
  const original = await readFile(s.pms.preferencesPath);

  const st = await s.run(['status']);
  assert.equal(st.code, 0, st.err);
  assert.match(st.out, /^Plex Media Server: found at http:\/\/127\.0\.0\.1:\d+ \(version 1\.42/);
  assert.match(st.out, /Plex token: from Plex Media Server's own settings on this computer \(accepted by the server\)/);
  assert.match(st.out, /Custom server access URLs \(customConnections\): \(empty\) -> https:\/\/plex\.example\.test:443/);

  const ap = await s.run(['apply', '--manual-port', '--json']);
  assert.equal(ap.code, 0, ap.err);
  const j = JSON.parse(ap.out) as { ok: boolean; changes: { id: string; after: string }[] };
  assert.deepEqual(j.changes.map((c) => [c.id, c.after]), [['customConnections', 'https://plex.example.test:443'], ['ManualPortMappingMode', 'on'], ['ManualPortMappingPort', '443']]);
  const again = await s.run(['apply', '--manual-port']);
  assert.equal(again.out, "Nothing to change: Plex Media Server already has Portico's settings.");

  const sj = JSON.parse((await s.run(['status', '--json'])).out) as { status: { applied: boolean }; wouldChange: unknown[] };
  assert.deepEqual(sj.wouldChange, []);

  const un = await s.run(['undo']);
  assert.equal(un.code, 0, un.err);
  assert.match(un.out, /^Restored in Plex Media Server:\n {2}Custom server access URLs \(customConnections\): https:\/\/plex\.example\.test:443 -> \(empty\)/);
  assert.deepEqual(await readFile(s.pms.preferencesPath), original);
  assert.doesNotMatch(st.out + st.err + ap.out + un.out, /owner-token/);
});

test('plex verify goes through the door the config names, no --door-url needed: it reaches Plex, and with nothing listening it says to start Portico', async (t) => {
  const doorPort = await freePort();
  const s = await setup(t, undefined, { door: { bind: '0.0.0.0', httpsPorts: [doorPort], httpPort: null } });
  const doorCheck = async () => {
    const r = await s.run(['verify', '--json']);
    const checks = (JSON.parse(r.out) as { checks: { id: string; ok: boolean | null; detail: string; fix?: string }[] }).checks;
    return checks.find((c) => c.id === 'door-reaches-pms')!;
  };
  const where = `https://plex.example.test through the door at 127.0.0.1:${doorPort}`;
  const down = await doorCheck();
  assert.equal(down.ok, false, JSON.stringify(down));
  assert.equal(down.detail, `${where} did not answer (ECONNREFUSED).`);
  assert.match(down.fix ?? '', /Start Portico/);

  const door = new Door({
    bind: '127.0.0.1', httpsPorts: [doorPort], httpPort: null, publicHttpsPort: 443,
    routes: [{ host: 'plex.example.test', upstream: s.pms.url }], passthrough: { host: '127.0.0.1', port: 9 }, challenges: new ChallengeStore(), logger: silentLogger,
  });
  door.setCertificate(['plex.example.test'], makeCert(s.dataDir, 'door', ['plex.example.test']), 'placeholder');
  await door.start();
  t.after(() => door.stop(0));
  const up = await doorCheck();
  assert.deepEqual([up.ok, up.detail], [true, `${where} reaches this Plex Media Server through Portico.`]);

  const text = await s.run(['verify']);
  assert.match(text.out, /^ok {3}Requests through Portico reach Plex: https:\/\/plex\.example\.test through the door/m);
  assert.doesNotMatch(text.out, /door is not running/);
});

test('plex status finds the token the service keeps from a plex.tv sign-in (the data directory\'s secret store), with none in Plex\'s own settings', async (t) => {
  const s = await setup(t);
  await writeFile(join(s.dataDir, 'secrets.json'), JSON.stringify({ 'plex.token': OWNER.token }), { mode: 0o600 });
  const st = await s.run(['status'], { PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: join(s.dataDir, 'no-plex-here') });
  assert.equal(st.code, 0, st.err);
  assert.match(st.out, /Plex token: from your plex\.tv sign-in \(accepted by the server\)/);
  assert.doesNotMatch(st.out + st.err, /owner-token/);
});

test('plex signin: prints the auth URL, waits for approval, stores the token in <dataDir>/secrets.json (0600)', async (t) => {
  const s = await setup(t);
  const p = s.run(['signin'], { PORTICO_PIN_POLL_MS: '20' });
  // the user approves in the browser: find the PIN the CLI created
  const created = await waitFor('the PIN', () => s.tv.requests.find((r) => r.method === 'POST'));
  assert.equal(created.headers.accept, 'application/json');
  const poll = await waitFor('a poll', () => s.tv.requests.find((r) => r.method === 'GET' && r.url.startsWith('/api/v2/pins/')));
  assert.ok(poll);
  const pinId = Number(poll.url.split('/').pop());
  const pin = await (await fetch(`${s.tv.url}/api/v2/pins/${pinId}`, { headers: { Accept: 'application/json', 'X-Plex-Client-Identifier': String(created.headers['x-plex-client-identifier']) } })).json() as { code: string };
  assert.ok(s.tv.approve(pin.code, OWNER.token));
  const r = await p;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /https:\/\/app\.plex\.tv\/auth#\?clientID=/);
  assert.match(r.out, /Signed in\./);
  assert.doesNotMatch(r.out, /owner-token/);
  const secrets = join(s.dataDir, 'secrets.json');
  assert.equal(JSON.parse(await readFile(secrets, 'utf8'))['plex.token'], OWNER.token);
  assert.equal((await stat(secrets)).mode & 0o777, 0o600);
});

test('errors: PMS not running -> exit 1 with what to do; bad usage -> exit 2', async (t) => {
  const s = await setup(t, `http://127.0.0.1:${await freePort()}`);
  const r = await s.run(['apply']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^portico plex apply: Plex Media Server is not answering at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)\.\n {2}what to do: Start Plex Media Server/);
  const j = await s.run(['undo', '--json']);
  assert.equal(j.code, 0, 'nothing on record to undo, whatever PMS is doing');
  const bad = await s.run(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown subcommand "frobnicate"/);
  const cert = await s.run(['apply', '--custom-certificate']);
  assert.equal(cert.code, 2);
  assert.match(cert.err, /--p12 FILE/);
});

test('the real portico binary runs plex status --json', async (t) => {
  const s = await setup(t);
  const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [new URL('../../bin/portico.js', import.meta.url).pathname, 'plex', 'status', '--json', '--config', s.config], {
      env: { ...process.env, PORTICO_FROM_SOURCE: '1', PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: s.supportDir },
    }, (e, stdout) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout }));
  });
  assert.equal(out.code, 0);
  const j = JSON.parse(out.stdout) as { discovery: { found: boolean; token: string; tokenValid: boolean } };
  assert.deepEqual([j.discovery.found, j.discovery.token, j.discovery.tokenValid], [true, 'local-store', true]);
});
