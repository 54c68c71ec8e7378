/**
 * The one public-address rule and the DNS check over it: configured services first (an HTTPS one
 * trusted through publicIpCa), then the router's WAN address only when it is public; names
 * checked through a real DNS server (pebble-challtestsrv) on loopback.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { publicAddressSources, Reachability } from '../../../main/core/network/reachability.ts';
import { parseStunServer, StunPublicIp } from '../../../main/core/network/stun-public-ip.ts';
import { DEFAULT_HTTP_ENDPOINTS, DEFAULT_STUN_SERVERS, parseConfig, type Config } from '../../../main/shared/config.ts';
import { startStunStandIn } from '../../stand-ins/stun.ts';
import type { RouterStatus } from '../../../main/shared/status/router.ts';
import { freePort } from '../../helpers/free-port.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { startWhatIsMyIpStandIn } from '../../stand-ins/whatismyip.ts';

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

test('dns check: green when the name resolves to the public address, red with the address to set, grey when unknown; records kept for the status', async (t) => {
  const resolver = await dnsServer(t, '203.0.113.9');
  // Lookups off: the router's answer is the public address here (the tests never ask the internet).
  const c = config({ dns: { resolver }, publicIp: { lookup: false } });
  const check = async (externalAddress?: string) => {
    const r = Reachability.fromConfig(c, { router: () => routerStatus(externalAddress ? { externalAddress } : {}) });
    const checks = await r.checkDns();
    return { check: checks[0]!, records: r.dnsRecords() };
  };
  const good = await check('203.0.113.9');
  assert.equal(good.check.ok, true, good.check.detail);
  assert.deepEqual(good.records, [{ name: 'plex.example.com', type: 'A', values: ['203.0.113.9'], matchesPublic: true }]);
  const wrong = await check('198.51.100.4');
  assert.equal(wrong.check.ok, false);
  assert.match(wrong.check.fix ?? '', /198\.51\.100\.4/);
  assert.equal(wrong.records[0]!.matchesPublic, false);
  const unknown = await check();
  assert.equal(unknown.check.ok, null);
  assert.match(unknown.check.detail, /203\.0\.113\.9/);
  const cgnat = await check('100.64.12.1');
  assert.equal(cgnat.check.ok, null, 'a carrier-grade NAT address on the router is not the public address');
});

test('public address: the configured service first (HTTPS trusted through publicIpCa), then the router\'s public WAN address; never a private one', async (t) => {
  const ca = makeTestCa(await tmpDir(t), ['localhost']);
  const wim = await startWhatIsMyIpStandIn({ tls: { key: ca.keyPem, cert: ca.certPem } });
  t.after(() => wim.close());
  wim.behaviour = { kind: 'answer', reportAddress: '203.0.113.50' };
  const url = wim.url.replace('127.0.0.1', 'localhost');
  const c = config({ publicIp: { httpEndpoints: [url] } });
  let router = routerStatus({ externalAddress: '198.51.100.20' });
  const trusted = Reachability.fromConfig(c, { router: () => router, publicIpCa: ca.caPem });
  assert.deepEqual(await trusted.publicAddress(), { address: '203.0.113.50', from: `HTTP ${url}`, error: null });

  // Without the CA the HTTPS service is refused, and the router's public WAN address stands in.
  const untrusted = Reachability.fromConfig(c, { router: () => router });
  const fallback = await untrusted.publicAddress();
  assert.equal(fallback.address, '198.51.100.20');
  assert.equal(fallback.from, "the router's WAN address");
  assert.match(fallback.error ?? '', new RegExp(`HTTP ${url.replace(/[.:/]/g, '\\$&')}.*certificate`, 'i'), 'why the service was passed over');

  router = routerStatus({ externalAddress: '192.168.0.2' });
  const none = await untrusted.publicAddress();
  assert.equal(none.address, null);
  assert.match(none.error ?? '', /192\.168\.0\.2 is not a public address/);
  await assert.rejects(untrusted.requirePublicAddress(), /192\.168\.0\.2 is not a public address/);
  const off = Reachability.fromConfig(config({ publicIp: { lookup: false } }), { router: () => routerStatus({}) });
  const unconfigured = await off.publicAddress();
  assert.equal(unconfigured.address, null);
  assert.match(unconfigured.error ?? '', /public-address lookups are off \(publicIp\.lookup\).*router has not told its WAN address/);
  assert.deepEqual(off.lastPublicAddress(), unconfigured, 'the last look is kept for the status');
});

test('the built-in public-address services: used when publicIp names none, replaced by configured ones, none with lookups off', () => {
  const defaults = publicAddressSources(config({}).publicIp);
  assert.deepEqual(defaults, { stun: [...DEFAULT_STUN_SERVERS], http: [...DEFAULT_HTTP_ENDPOINTS] });
  assert.ok(DEFAULT_STUN_SERVERS.length >= 2 && DEFAULT_HTTP_ENDPOINTS.length >= 2, 'more than one of each, so one service down is not the end');
  for (const s of DEFAULT_STUN_SERVERS) {
    const { host, port } = parseStunServer(s);
    assert.match(host, /^([a-z0-9-]+\.)+[a-z]{2,}$/, `${s}: a host name`);
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536 && s.endsWith(`:${port}`), `${s}: an explicit port`);
    assert.ok(parseConfig({ domains: ['plex.example.com'], publicIp: { stunServer: s } }).ok, `${s} passes the config's own rule`);
  }
  for (const u of DEFAULT_HTTP_ENDPOINTS) {
    assert.equal(new URL(u).protocol, 'https:', `${u}: over HTTPS, so the answer is not rewritten on the way`);
    assert.ok(parseConfig({ domains: ['plex.example.com'], publicIp: { httpEndpoints: [u] } }).ok, `${u} passes the config's own rule`);
  }
  assert.deepEqual(publicAddressSources(config({ publicIp: { stunServer: '192.0.2.1:3478' } }).publicIp), { stun: ['192.0.2.1:3478'], http: [] });
  assert.deepEqual(publicAddressSources(config({ publicIp: { httpEndpoints: ['http://192.0.2.1/'] } }).publicIp), { stun: [], http: ['http://192.0.2.1/'] });
  assert.deepEqual(publicAddressSources(config({ publicIp: { lookup: false } }).publicIp), { stun: [], http: [] });
  const both = parseConfig({ domains: ['plex.example.com'], publicIp: { lookup: false, stunServer: '192.0.2.1' } });
  assert.ok(!both.ok);
  assert.match(both.error.map((p) => `${p.key}: ${p.message}`).join('\n'), /publicIp\.lookup: is false .*remove those, or set lookup to true/);
});

test('a service\'s answer wins over the router\'s WAN address (which stays the cross-check); the last look is kept for the status', async (t) => {
  const stun = await startStunStandIn();
  t.after(() => stun.close());
  stun.behaviour = { kind: 'answer', reportAddress: '203.0.113.77' };
  const r = new Reachability({ domains: ['plex.example.com'], publicHttpsPort: 443, resolver: null, services: [new StunPublicIp(`127.0.0.1:${stun.port}`, { waitsMs: [300, 600] })], router: () => routerStatus({ externalAddress: '198.51.100.20' }) });
  assert.deepEqual(await r.publicAddress(), { address: '203.0.113.77', from: `STUN 127.0.0.1:${stun.port}`, error: null });
  assert.equal(r.lastPublicAddress()?.address, '203.0.113.77');
});
