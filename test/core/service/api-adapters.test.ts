import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { certsApi, dnsApi, plexApi, routerApi, type CertManagerLike, type PlexManagerLike, type RouterManagerLike } from '../../../main/core/service/api-adapters.ts';
import type { PlexManager } from '../../../main/core/plex/plex-manager.ts';
import type { CertManager } from '../../../main/core/certs/cert-manager.ts';
import type { RouterManager } from '../../../main/core/network/router-manager.ts';
import { parseConfig, type Config } from '../../../main/shared/config.ts';
import type { RouterStatus } from '../../../main/shared/status/router.ts';
import type { AppStatus } from '../../../main/shared/status.ts';
import { freePort } from '../../helpers/free-port.ts';
import { waitFor } from '../../helpers/wait-for.ts';

function config(extra: object): Config {
  const r = parseConfig({ domains: ['plex.example.com'], ...extra });
  assert.ok(r.ok);
  return r.value;
}

/** A DNS server that answers every A query with `ip` (pebble-challtestsrv, as the test CA's DNS). */
async function dnsServer(t: TestContext, ip: string): Promise<string> {
  const [dns, mgmt] = [await freePort(), await freePort()];
  const p = spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dns}`, '-management', `127.0.0.1:${mgmt}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', ip, '-defaultIPv6', ''], { stdio: 'ignore' });
  t.after(() => { p.kill(); });
  await waitFor('challtestsrv', async () => (await fetch(`http://127.0.0.1:${mgmt}/clear-txt`, { method: 'POST', body: '{"host":"x."}' })).ok, 5000);
  return `127.0.0.1:${dns}`;
}

const routerStatus = (patch: Partial<RouterStatus>): RouterStatus => ({ mode: 'auto', state: 'off', mappings: [], findings: [], ...patch });

test('dns check: green when the name resolves to the public address, red with the address to set, grey when unknown', async (t) => {
  const resolver = await dnsServer(t, '203.0.113.9');
  const c = config({ dns: { resolver } });
  let records: AppStatus['dns']['records'] = [];
  const check = async (externalAddress?: string) => {
    const r = await dnsApi({ config: () => c, router: { start: async () => routerStatus({}), getStatus: () => routerStatus(externalAddress ? { externalAddress } : {}) }, onRecords: (x) => { records = x; } }).check();
    assert.ok(r.ok);
    return r.value[0]!;
  };
  const good = await check('203.0.113.9');
  assert.equal(good.ok, true, good.detail);
  assert.deepEqual(records, [{ name: 'plex.example.com', type: 'A', values: ['203.0.113.9'], matchesPublic: true }]);
  const wrong = await check('198.51.100.4');
  assert.equal(wrong.ok, false);
  assert.match(wrong.fix ?? '', /198\.51\.100\.4/);
  assert.equal(records[0]!.matchesPublic, false);
  const unknown = await check();
  assert.equal(unknown.ok, null);
  assert.match(unknown.detail, /203\.0\.113\.9/);
});

test('router map: a router that answers nothing is an error with its fix; mappings are a value', async () => {
  let next = routerStatus({ state: 'manual', error: 'the router at 192.168.1.1 does not answer UPnP, NAT-PMP or PCP.' });
  const api = routerApi({ start: async () => next, getStatus: () => next }, { config: () => config({}) });
  const r = await api.map();
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'router-map-failed');
  assert.match(r.error.message, /UPnP, NAT-PMP or PCP\.$/);
  assert.doesNotMatch(r.error.message, /\.\.$/);
  assert.match(r.error.fix ?? '', /forward the ports by hand/);
  next = routerStatus({ state: 'mapped', mappings: [{ protocol: 'upnp', externalPort: 443, internalPort: 8443, internalClient: '192.168.1.20', transport: 'TCP', state: 'mapped' }] });
  const m = await api.map();
  assert.ok(m.ok && m.value.state === 'mapped');
});

test('certs: staging runs the pre-flight only; the renewal loop starts after a real certificate', async () => {
  const calls: object[] = [];
  let issued = 0;
  const m: CertManagerLike = {
    renewNow: async (o) => { calls.push(o); return { ok: true, value: { domains: ['plex.example.com'], state: o.staging ? 'none' : 'valid' } }; },
    exportPkcs12: async () => ({ path: '/x.p12', passphrase: 'p' }),
  };
  const api = certsApi(m, () => { issued++; });
  await api.issue({ staging: true });
  assert.equal(issued, 0);
  await api.issue({ staging: false });
  await api.renew({ force: true });
  assert.deepEqual(calls, [{ staging: true }, {}, { force: true }]);
  assert.equal(issued, 2);
});

test('plex: the custom certificate needs an exporter; the unprobed door item is left to the door check', async () => {
  const seen: object[] = [];
  const m: PlexManagerLike = {
    discover: async () => ({ url: 'http://127.0.0.1:32400', found: true, token: 'config', tokenValid: true }),
    startPinSignIn: async () => ({ ok: false, error: { code: 'x', message: 'x' } }),
    pollPinSignIn: async () => ({ ok: true, value: { state: 'waiting' } }),
    plan: async (o) => { seen.push(o); return { ok: true, value: [] }; },
    apply: async (o) => { seen.push(o); return { ok: true, value: [] }; },
    undo: async () => ({ ok: true, value: [] }),
    verify: async () => [{ id: 'plex-prefs', title: 'p', ok: true, detail: '' }, { id: 'door-reaches-pms', title: 'd', ok: null, detail: 'Not checked' }],
  };
  const without = plexApi(m);
  const r = await without.apply({ manualPort: true, customCertificate: true });
  assert.ok(!r.ok && r.error.code === 'not-available');
  assert.deepEqual((await without.verify()).map((c) => c.id), ['plex-prefs']);
  const withCert = plexApi(m, async () => ({ ok: true, value: { path: '/c.p12', passphrase: 'pw', domain: 'plex.example.com' } }));
  assert.ok((await withCert.plan({ manualPort: false, customCertificate: true })).ok);
  assert.deepEqual(seen, [{ manualPort: false, customCertificate: true, certificate: { path: '/c.p12', passphrase: 'pw', domain: 'plex.example.com' } }]);
});

// The real managers fit the narrow views as they are (checked by tsc, no adapter code needed).
export const _plexFits = (m: PlexManager): PlexManagerLike => m;
export const _certsFit = (m: CertManager): CertManagerLike => m;
export const _routerFits = (m: RouterManager): RouterManagerLike => m;
