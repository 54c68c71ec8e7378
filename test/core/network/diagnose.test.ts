/**
 * diagnose() is pure: these facts describe topologies miniupnpd refuses to build (CGNAT and
 * double NAT need a reserved WAN address) and outside conditions (a provider blocking port 80).
 * The no-hairpin fact is also produced for real in forwarding.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwarding } from '../../../main/shared/forwarding.ts';
import { diagnose, type ReachabilityFacts } from '../../../main/core/network/diagnose.ts';

const base: ReachabilityFacts = {
  domain: 'plex.example.com', publicHttpsPort: 443, routerMode: 'auto', gateway: '192.168.1.1', lanAddress: '192.168.1.10',
  adminUrl: 'http://192.168.1.1/', protocols: { upnp: true }, gatewayExternalAddress: '203.0.113.5', publicAddress: '203.0.113.5',
  dns: { a: ['203.0.113.5'], aaaa: [] }, hairpin: 'reached', port80: 'open', mappings: [],
};
const ids = (f: ReachabilityFacts) => diagnose(f).filter((x) => x.severity !== 'ok').map((x) => x.id);
const one = (f: ReachabilityFacts, id: string) => {
  const found = diagnose(f).find((x) => x.id === id);
  assert.ok(found, `expected finding ${id}`);
  assert.ok(found.detail.length > 20 && (found.severity === 'ok' || (found.fix ?? '').length > 20), 'plain words and a fix');
  return found;
};

test('a healthy setup has only ok findings', () => {
  assert.deepEqual(ids(base), []);
  assert.deepEqual(diagnose(base).map((x) => x.id), ['nat', 'dns', 'hairpin']);
});

test('the router reports 0.0.0.0 (WAN down): said so, not mistaken for carrier-grade NAT', () => {
  assert.deepEqual(ids({ ...base, gatewayExternalAddress: '0.0.0.0' }).filter((x) => x === 'cgnat' || x === 'double-nat' || x === 'router-offline'), ['router-offline']);
});

test('a link-local or IPv6 unique-local WAN address is NAT in front of the router, like a private one', () => {
  for (const ext of ['169.254.3.4', '10.0.0.2', 'fd00::2']) assert.ok(ids({ ...base, gatewayExternalAddress: ext }).includes('double-nat'), ext);
});

test('CGNAT: the router\'s WAN address is in 100.64.0.0/10', () => {
  const f = one({ ...base, gatewayExternalAddress: '100.72.3.4' }, 'cgnat');
  assert.equal(f.severity, 'error');
  assert.match(f.detail, /100\.72\.3\.4.*100\.64\.0\.0\/10/);
  assert.match(f.fix!, /public IPv4/);
});

test('CGNAT: the router\'s WAN address differs from the public address', () => {
  const f = one({ ...base, gatewayExternalAddress: '198.51.100.9' }, 'cgnat');
  assert.match(f.detail, /198\.51\.100\.9.*203\.0\.113\.5/);
  assert.ok(!ids({ ...base, gatewayExternalAddress: '198.51.100.9' }).includes('double-nat'));
});

test('double NAT: the router\'s WAN address is private', () => {
  for (const ext of ['192.168.0.2', '10.0.0.7', '172.20.1.1']) {
    const f = one({ ...base, gatewayExternalAddress: ext }, 'double-nat');
    assert.match(f.detail, new RegExp(ext.replace(/\./g, '\\.')));
    assert.match(f.fix!, /bridge mode/);
    assert.ok(!ids({ ...base, gatewayExternalAddress: ext }).includes('cgnat'));
  }
});

test('DNS: the domain points elsewhere, or nowhere', () => {
  const f = one({ ...base, dns: { a: ['198.51.100.1'], aaaa: [] } }, 'dns-mismatch');
  assert.match(f.detail, /198\.51\.100\.1.*203\.0\.113\.5/);
  assert.match(f.fix!, /A record of plex\.example\.com to 203\.0\.113\.5/);
  assert.match(one({ ...base, dns: { a: [], aaaa: [] } }, 'dns-missing').fix!, /203\.0\.113\.5/);
  assert.ok(ids({ ...base, dns: { a: [], aaaa: [], error: 'ETIMEOUT' } }).includes('dns-lookup-failed'));
  // An AAAA-only name that carries the public (v6) address is fine.
  assert.deepEqual(ids({ ...base, publicAddress: '2001:db8::5', gatewayExternalAddress: null, dns: { a: [], aaaa: ['2001:db8::5'] } }), []);
});

test('no hairpin: names the fix and this machine\'s LAN address', () => {
  const f = one({ ...base, hairpin: 'not-reached', hairpinDetail: 'ECONNREFUSED' }, 'no-hairpin');
  assert.match(f.detail, /203\.0\.113\.5.*443.*ECONNREFUSED/);
  assert.match(f.fix!, /NAT loopback.*192\.168\.1\.10/);
});

test('port 80 blocked: recommends tls-alpn-01 or dns-01', () => {
  const f = one({ ...base, port80: 'blocked' }, 'port-80-blocked');
  assert.match(f.fix!, /tls-alpn-01/);
  assert.match(f.fix!, /dns-01/);
  assert.ok(!ids({ ...base, port80: null }).includes('port-80-blocked'), 'unknown is not blocked');
});

test('router with no UPnP, NAT-PMP or PCP; conflicts; unknown public address; no gateway', () => {
  // The fix lists the router status's own rows: with publicHttpsPort 4443 and the HTTP door off, that is WAN 4443 only.
  const forwards = forwarding({ publicHttpsPort: 4443, httpsPorts: [8443], httpPort: null, mapPlexPort: false })
    .map((r) => ({ name: r.name, externalPort: r.externalPort, internalClient: '192.168.1.10', internalPort: r.internalPort, transport: r.transport }));
  const f = one({ ...base, publicHttpsPort: 4443, forwards, protocols: { upnp: false, pcp: false, natpmp: false } }, 'no-port-mapping');
  assert.match(f.fix!, /UPnP.*http:\/\/192\.168\.1\.1\/.*forward by hand WAN 4443\/TCP to 192\.168\.1\.10:8443 \(/);
  assert.doesNotMatch(f.fix!, /\b443\b|\b80\b/, 'neither 443 nor 80 is forwarded in this setup');
  assert.ok(!ids({ ...base, routerMode: 'manual', protocols: { upnp: false, pcp: false, natpmp: false } }).includes('no-port-mapping'), 'manual mode asked for it');
  const c = one({ ...base, mappings: [{ protocol: 'upnp', externalPort: 443, internalPort: 8443, internalClient: '192.168.1.10', transport: 'TCP', state: 'conflict', owner: '192.168.1.20', error: 'WAN port 443/TCP is already forwarded to 192.168.1.20:443' }] }, 'mapping-conflict-443');
  assert.match(c.title, /another device \(192\.168\.1\.20\)/);
  assert.match(c.fix!, /forward to 192\.168\.1\.20/);
  const anon = one({ ...base, mappings: [{ protocol: 'natpmp', externalPort: 80, internalPort: 8080, internalClient: '192.168.1.10', transport: 'TCP', state: 'conflict', error: 'WAN port 80/TCP is not available' }] }, 'mapping-conflict-80');
  assert.match(anon.title, /not available/);
  assert.match(anon.fix!, /high ports/);
  assert.match(one({ ...base, mappings: [{ protocol: 'upnp', externalPort: 80, internalPort: 8080, internalClient: '192.168.1.10', transport: 'TCP', state: 'failed', error: 'the router refused the mapping (501 Action Failed)' }] }, 'mapping-failed-80').fix!, /TCP 80 to 192\.168\.1\.10:8080/);
  assert.match(one({ ...base, publicAddress: null, publicAddressError: 'STUN x: timeout' }, 'public-ip-unknown').detail, /timeout/);
  assert.equal(one({ ...base, gateway: null }, 'no-gateway').severity, 'error');
});

test('a router that refuses ports below 1024: one finding naming the ports and both ways out (exact rows, or a high public port and what it costs)', () => {
  const refused = (port: number, internalPort: number) => ({ protocol: 'upnp' as const, externalPort: port, internalPort, internalClient: '192.168.1.10', transport: 'TCP' as const, state: 'failed' as const, refusedLowPort: true as const, error: 'refused' });
  const f = { ...base, mappings: [refused(443, 8443), refused(80, 8080), { protocol: 'upnp' as const, externalPort: 32400, internalPort: 32443, internalClient: '192.168.1.10', transport: 'TCP' as const, state: 'mapped' as const }] };
  assert.deepEqual(ids(f), ['low-ports-refused'], 'no per-port failure findings beside it');
  const x = one(f, 'low-ports-refused');
  assert.equal(x.severity, 'error');
  assert.match(x.title, /port 443 and 80/);
  assert.match(x.fix ?? '', /WAN 443\/TCP to 192\.168\.1\.10:8443, WAN 80\/TCP to 192\.168\.1\.10:8080/);
  assert.match(x.fix ?? '', /door\.publicHttpsPort to 8443.*https:\/\/plex\.example\.com:8443.*DNS-01.*HTTP-01.*443 only/);
  const other = { ...base, mappings: [{ ...refused(443, 8443), refusedLowPort: undefined }] };
  assert.deepEqual(ids(other), ['mapping-failed-443'], 'another failure is not called a low-port refusal');
});
