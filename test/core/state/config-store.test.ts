import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigStore } from '../../../main/core/state/config-store.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { LETS_ENCRYPT_STAGING } from '../../../main/shared/config.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';

async function open(t: TestContext, doc: unknown) {
  const dir = await tmpDir(t);
  const path = join(dir, 'portico.json');
  await writeFile(path, JSON.stringify(doc));
  const secrets = new MemorySecretStore();
  const r = await ConfigStore.open({ path, dataDir: dir, secrets, lanAddress: () => '192.168.1.20' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return { store: r.value, path, secrets, dir };
}

test('view shows the editable settings and no secrets', async (t) => {
  const { store } = await open(t, { domains: ['plex.example.com'], plex: { token: 'plex-token-123456' }, acme: { directoryUrl: LETS_ENCRYPT_STAGING } });
  const v = store.view();
  assert.deepEqual(v.domains, ['plex.example.com']);
  assert.equal(v.acme.staging, true);
  assert.equal(v.lanAddress, '192.168.1.20');
  assert.deepEqual(v.dns, { provider: null, providerConfigured: false, ddns: false });
  assert.ok(!JSON.stringify(v).includes('plex-token-123456'));
});

test('a patch is validated, written atomically, and announced; the file keeps only what the user set', async (t) => {
  const { store, path } = await open(t, { domains: ['plex.example.com'], ui: { port: 9000 } });
  const changes: string[][] = [];
  store.onDidChange((c) => changes.push(c.domains));
  const r = await store.update({ domains: ['media.example.org'], router: { mode: 'manual' }, acme: { email: 'me@example.org' }, door: { publicHttpsPort: 8443 } });
  assert.ok(r.ok);
  assert.deepEqual(r.value.domains, ['media.example.org']);
  const onDisk = JSON.parse(await readFile(path, 'utf8'));
  // schemaVersion: the document is stamped with the version it was migrated to.
  assert.deepEqual(onDisk, { domains: ['media.example.org'], ui: { port: 9000 }, router: { mode: 'manual' }, acme: { email: 'me@example.org' }, door: { publicHttpsPort: 8443 }, schemaVersion: 1 });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(changes, [['media.example.org']]);
  assert.equal(store.get().router.mode, 'manual');
});

test('an invalid patch changes nothing and names every problem', async (t) => {
  const { store, path } = await open(t, { domains: ['plex.example.com'] });
  const before = await readFile(path, 'utf8');
  const r = await store.update({ domains: ['not a domain'], acme: { email: 'nope' } });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'config-invalid');
  assert.deepEqual(r.error.problems?.map((p) => p.key).sort(), ['acme.email', 'domains[0]']);
  assert.match(r.error.fix ?? '', /previous settings are still in effect/);
  assert.equal(await readFile(path, 'utf8'), before);
  assert.deepEqual(store.get().domains, ['plex.example.com']);
});

test('DNS provider secrets go to the secret store, never to the file or the UI, and survive a reopen', async (t) => {
  const { store, path, secrets, dir } = await open(t, { domains: ['plex.example.com'] });
  const r = await store.update({ dns: { provider: { kind: 'cloudflare', apiToken: 'cf-SECRET-token-value', zoneId: 'zone1' }, ddns: true } });
  assert.ok(r.ok);
  assert.deepEqual(r.value.dns, { provider: 'cloudflare', providerConfigured: true, ddns: true });
  const text = await readFile(path, 'utf8');
  assert.ok(!text.includes('cf-SECRET-token-value'));
  assert.equal(await secrets.get('dns.cloudflare.apiToken'), 'cf-SECRET-token-value');
  assert.ok(!JSON.stringify(r.value).includes('cf-SECRET'));
  assert.equal((store.get().dns.provider as { apiToken: string }).apiToken, 'cf-SECRET-token-value', 'the service gets the real token');

  // Changing another field without resending the secret keeps it.
  const r2 = await store.update({ dns: { provider: { kind: 'cloudflare', apiToken: '', zoneId: 'zone2' } } });
  assert.ok(r2.ok);
  assert.equal((store.get().dns.provider as { apiToken: string; zoneId: string }).apiToken, 'cf-SECRET-token-value');

  const again = await ConfigStore.open({ path, dataDir: dir, secrets });
  assert.ok(again.ok);
  assert.equal((again.value.get().dns.provider as { zoneId: string }).zoneId, 'zone2');

  // Switching provider without its secret is refused.
  const r3 = await store.update({ dns: { provider: { kind: 'duckdns', token: '' } } });
  assert.ok(!r3.ok);
  assert.equal(r3.error.problems?.[0]?.key, 'dns.provider.token');

  const empty = await ConfigStore.open({ path, dataDir: dir, secrets: new MemorySecretStore() });
  assert.ok(!empty.ok);
  assert.match(empty.error[0]!.message, /missing from the secret store/);
});

test('secrets a user typed into the file move to the secret store on the next save', async (t) => {
  const { store, path, secrets } = await open(t, { domains: ['plex.example.com'], dns: { provider: { kind: 'duckdns', token: 'duck-SECRET-1234' } } });
  assert.ok((await store.update({ domains: ['plex.duckdns.org'] })).ok);
  assert.ok(!(await readFile(path, 'utf8')).includes('duck-SECRET-1234'));
  assert.equal(await secrets.get('dns.duckdns.token'), 'duck-SECRET-1234');
});

test('setup pending: with requireDomains false a missing file or one without domains opens, and the first domain is written', async (t) => {
  const dir = await tmpDir(t);
  const path = join(dir, 'config.json');
  const strict = await ConfigStore.open({ path, dataDir: dir, secrets: new MemorySecretStore(), missingOk: true });
  assert.ok(!strict.ok, 'domains stay required by default');
  assert.equal(strict.error[0]?.key, 'domains');
  const r = await ConfigStore.open({ path, dataDir: dir, secrets: new MemorySecretStore(), requireDomains: false, missingOk: true });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  assert.deepEqual(r.value.get().domains, []);
  assert.ok((await r.value.update({ domains: ['plex.example.com'] })).ok);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { schemaVersion: 1, domains: ['plex.example.com'] });
  const missing = await ConfigStore.open({ path: join(dir, 'nope.json'), dataDir: dir, secrets: new MemorySecretStore(), requireDomains: false });
  assert.ok(!missing.ok, 'a missing file is still an error unless missingOk');
});

test('migrations run when the store opens (the app and `serve` alike); a newer document is refused, not rewritten', async (t) => {
  const { store, path } = await open(t, { domains: ['plex.example.com'] });
  assert.equal(store.get().schemaVersion, 1);
  assert.ok((await store.update({ router: { mode: 'off' } })).ok);
  assert.equal(JSON.parse(await readFile(path, 'utf8')).schemaVersion, 1, 'the next save writes the migrated document');

  const dir = await tmpDir(t);
  const newer = join(dir, 'newer.json');
  const text = JSON.stringify({ schemaVersion: 99, domains: ['plex.example.com'], futureKey: true });
  await writeFile(newer, text);
  const r = await ConfigStore.open({ path: newer, dataDir: dir, secrets: new MemorySecretStore() });
  assert.ok(!r.ok);
  assert.deepEqual(r.error.map((p) => p.key), ['schemaVersion'], 'one line, not one per key this Portico does not know');
  assert.match(r.error[0]!.message, /newer Portico \(version 99/);
  assert.equal(await readFile(newer, 'utf8'), text);
});

test('the settings page\'s fields: Plex address, second door, HSTS and routes are saved; a bad one changes nothing', async (t) => {
  const { store, path } = await open(t, { domains: ['plex.example.com'] });
  const r = await store.update({
    plex: { url: 'http://192.168.1.30:32400' }, door: { httpsPorts: [8443, 32443], hsts: true }, router: { mapPlexPort: true },
    routes: [{ host: 'overseerr.example.com', upstream: 'http://127.0.0.1:5055' }],
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  assert.equal(r.value.plex.url, 'http://192.168.1.30:32400');
  assert.deepEqual(r.value.door.httpsPorts, [8443, 32443]);
  assert.equal(r.value.door.hsts, true);
  assert.equal(r.value.router.mapPlexPort, true);
  assert.deepEqual(r.value.routes, [{ host: 'overseerr.example.com', upstream: 'http://127.0.0.1:5055' }]);
  assert.equal(store.get().plex.url, 'http://192.168.1.30:32400');

  const before = await readFile(path, 'utf8');
  const bad = await store.update({ plex: { url: 'not an address' }, door: { httpsPorts: [8443, 8443] }, routes: [{ host: 'plex.example.com', upstream: 'http://127.0.0.1:5055' }] });
  assert.ok(!bad.ok);
  assert.deepEqual([...new Set(bad.error.problems?.map((p) => p.key.replace(/\[\d+\].*/, '')))].sort(), ['door', 'plex.url', 'routes']);
  assert.equal(await readFile(path, 'utf8'), before, 'nothing written');
  assert.equal(store.get().door.hsts, true);
});

test('the public-address lookup from the settings page: shown with the services the config names (hosts only); "router only" drops them, "automatic" keeps what is there', async (t) => {
  const { store, path } = await open(t, { domains: ['plex.example.com'], publicIp: { stunServer: 'stun.example.net:3478', httpEndpoints: ['https://ip.example.org/plain?key=abc'] } });
  assert.deepEqual(store.view().publicIp, { lookup: true, services: ['stun.example.net:3478', 'ip.example.org'] });
  const auto = await store.update({ publicIp: { lookup: true } });
  assert.ok(auto.ok, JSON.stringify(!auto.ok && auto.error));
  assert.deepEqual(auto.value.publicIp.services, ['stun.example.net:3478', 'ip.example.org'], 'automatic keeps the named services');
  const routerOnly = await store.update({ publicIp: { lookup: false } });
  assert.ok(routerOnly.ok, JSON.stringify(!routerOnly.ok && routerOnly.error));
  assert.deepEqual(routerOnly.value.publicIp, { lookup: false, services: [] });
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')).publicIp, { lookup: false });
  assert.equal(store.get().publicIp.lookup, false);
  const back = await store.update({ publicIp: { lookup: true } });
  assert.ok(back.ok);
  assert.deepEqual(back.value.publicIp, { lookup: true, services: [] }, 'back to the built-in lists');
});

test('ZeroSSL\'s EAB HMAC key goes to the secret store, never to the file or the view; empty keeps it, null removes the binding', async (t) => {
  const { store, path, secrets, dir } = await open(t, { domains: ['plex.example.com'] });
  const r = await store.update({ acme: { directoryUrl: 'https://acme.zerossl.com/v2/DV90', eab: { kid: 'kid-123', hmacKey: 'hmac-SECRET-value' } } });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  assert.equal(r.value.acme.eabKid, 'kid-123');
  assert.equal(r.value.acme.eabConfigured, true);
  assert.ok(!JSON.stringify(r.value).includes('hmac-SECRET'));
  assert.ok(!(await readFile(path, 'utf8')).includes('hmac-SECRET'));
  assert.equal(await secrets.get('acme.eab.hmacKey'), 'hmac-SECRET-value');
  assert.deepEqual(store.get().acme.eab, { kid: 'kid-123', hmacKey: 'hmac-SECRET-value' }, 'the issuer gets the real key');

  const kept = await store.update({ acme: { eab: { kid: 'kid-456', hmacKey: '' } } });
  assert.ok(kept.ok);
  assert.deepEqual(store.get().acme.eab, { kid: 'kid-456', hmacKey: 'hmac-SECRET-value' });
  const reopened = await ConfigStore.open({ path, dataDir: dir, secrets });
  assert.ok(reopened.ok);
  assert.deepEqual(reopened.value.get().acme.eab, { kid: 'kid-456', hmacKey: 'hmac-SECRET-value' });

  const removed = await store.update({ acme: { directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', eab: null } });
  assert.ok(removed.ok);
  assert.equal(removed.value.acme.eabConfigured, false);
  assert.equal(store.get().acme.eab, null);
});

test('an EAB binding without its HMAC key (none stored) is refused', async (t) => {
  const { store } = await open(t, { domains: ['plex.example.com'] });
  const r = await store.update({ acme: { eab: { kid: 'kid-123', hmacKey: '' } } });
  assert.ok(!r.ok);
  assert.equal(r.error.problems?.[0]?.key, 'acme.eab.hmacKey');
});
