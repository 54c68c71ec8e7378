/**
 * The desktop app's service start-up without Electron: a real config file, the core's Service
 * with its door on free loopback ports, the stores and the API handlers the IPC serves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { startAppService } from '../../main/app/start-app-service.ts';
import { silentLogger } from '../../main/core/support/logger.ts';
import { MemorySecretStore } from '../../main/core/support/secret-store.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { makeTestCa } from '../helpers/test-ca.ts';
import { startWhatIsMyIpStandIn } from '../stand-ins/whatismyip.ts';

// A CA that refuses at once: nothing here may reach a real CA.
const NO_CA = { directoryUrl: 'https://127.0.0.1:1/directory' };

test('the app starts the core service from its config file and answers the contract', async (t) => {
  const dir = await tmpDir(t);
  const path = `${dir}/config.json`;
  await writeFile(path, JSON.stringify({ schemaVersion: 1, domains: ['plex.example.com'], door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null }, acme: NO_CA, router: { mode: 'off' } }));
  const svc = await startAppService({ configFile: { kind: 'ready', path }, dataDir: dir, secrets: new MemorySecretStore(), logger: silentLogger });
  t.after(() => svc.stop());
  const s = svc.getStatus();
  assert.equal(s.door.state, 'running');
  assert.deepEqual(s.domains, ['plex.example.com']);
  assert.deepEqual((await svc.handlers['config:get']()).domains, ['plex.example.com']);
  const w = await svc.handlers['wizard:save']({ step: 'router', completed: ['welcome'], finished: false });
  assert.equal(w.step, 'router');
  assert.equal((await svc.handlers['wizard:get']()).step, 'router');
  const renew = await svc.handlers['cert:renew']({ force: true });
  assert.equal(renew.ok, false);
  assert.ok(!renew.ok && renew.error.fix, 'a failed renewal says what to do');
});

test('first run without a domain starts "setup pending"; the wizard\'s domain is routed without a restart', async (t) => {
  const dir = await tmpDir(t);
  const path = `${dir}/config.json`;
  await writeFile(path, JSON.stringify({ schemaVersion: 1, door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null }, acme: NO_CA, router: { mode: 'off' } }));
  const svc = await startAppService({ configFile: { kind: 'needs-setup', path }, dataDir: dir, secrets: new MemorySecretStore(), logger: silentLogger });
  t.after(() => svc.stop());
  const s = svc.getStatus();
  assert.equal(s.door.state, 'running');
  assert.deepEqual(s.door.routes, []);
  assert.deepEqual(s.certificates, []);
  assert.ok((await svc.handlers['config:update']({ domains: ['plex.example.com'] })).ok);
  const route = await waitFor('route', () => svc.getStatus().door.routes.find((r) => r.host === 'plex.example.com'), 5000);
  assert.equal(route.certificate, 'placeholder');
});

test('the app\'s reachability diagnosis learns the public address over HTTPS (publicIpCa) and knows its door by the certificate fingerprint', async (t) => {
  const dir = await tmpDir(t);
  const ca = makeTestCa(dir, ['localhost']);
  // The what-is-my-IP service answers with the caller's address, 127.0.0.1: "public" here is loopback.
  const wim = await startWhatIsMyIpStandIn({ tls: { key: ca.keyPem, cert: ca.certPem } });
  t.after(() => wim.close());
  const door = await freePort();
  const path = `${dir}/config.json`;
  await writeFile(path, JSON.stringify({
    schemaVersion: 1, domains: ['plex.example.com'], door: { bind: '127.0.0.1', httpsPorts: [door], httpPort: null, publicHttpsPort: door },
    acme: NO_CA, router: { mode: 'off' }, dns: { resolver: `127.0.0.1:${await freePort()}` },
    publicIp: { httpEndpoints: [wim.url.replace('127.0.0.1', 'localhost')] },
  }));
  const svc = await startAppService({ configFile: { kind: 'ready', path }, dataDir: dir, secrets: new MemorySecretStore(), logger: silentLogger, publicIpCa: ca.caPem });
  t.after(() => svc.stop());
  const findings = async () => {
    const r = await svc.handlers['router:diagnose']();
    assert.ok(r.ok, JSON.stringify(r));
    return Object.fromEntries(r.value.map((f) => [f.id, f]));
  };
  const ours = await findings();
  assert.ok(!ours['public-ip-unknown'], JSON.stringify(ours['public-ip-unknown']));
  assert.equal(ours.hairpin?.severity, 'ok', 'the public address on the public port reached our own door');

  // Another TLS service on the public port (here the what-is-my-IP server) is not our door.
  assert.ok((await svc.handlers['config:update']({ door: { publicHttpsPort: Number(new URL(wim.url).port) } })).ok);
  const other = await waitFor('diagnosis with the new port', async () => (await findings())['no-hairpin'], 5000);
  assert.equal(other.severity, 'warning');
  assert.match(other.detail, /another service answered/);
});

test('the app refuses to start on an invalid file, saying what to do', async () => {
  const base = { dataDir: '/nonexistent', secrets: new MemorySecretStore(), logger: silentLogger };
  await assert.rejects(startAppService({ ...base, configFile: { kind: 'invalid', path: '/x/config.json', problems: [{ key: 'door.httpPort', message: 'must be a port' }] } }), /door\.httpPort: must be a port\. Fix or remove the file/);
});
