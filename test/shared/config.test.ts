import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, fieldProblems, DEFAULT_CONFIG, CHALLENGE_CHOICES, ROUTER_MODES } from '../../main/shared/config.ts';
import { nearestKey } from '../../main/shared/config/nearest-key.ts';
import { isDomainName } from '../../main/shared/config/host-rules.ts';

test('minimal config gets every default', () => {
  const r = parseConfig({ domains: ['Plex.Example.com'] });
  assert.ok(r.ok);
  assert.deepEqual(r.value.domains, ['plex.example.com']);
  assert.deepEqual(r.value.door, DEFAULT_CONFIG.door);
  assert.equal(r.value.plex.url, 'http://127.0.0.1:32400');
  assert.equal(r.value.acme.challenge, 'auto');
});

test('the documented example config is accepted as written', () => {
  const r = parseConfig({
    domains: ['plex.example.com'],
    dataDir: '/path/to/state',
    door: { bind: '0.0.0.0', httpsPorts: [8443, 32443], httpPort: 8080, publicHttpsPort: 443 },
    plex: { url: 'http://127.0.0.1:32400', tlsPort: 32400, token: null },
    routes: [{ host: 'overseerr.example.com', upstream: 'http://127.0.0.1:5055' }],
    acme: { directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', email: 'me@example.com', challenge: 'auto', caFile: null },
    router: { mode: 'auto' },
    ui: { port: 8765 },
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  assert.deepEqual(r.value.door.httpsPorts, [8443, 32443]);
  assert.equal(r.value.routes[0]?.upstream, 'http://127.0.0.1:5055');
});

test('every problem is reported at once, each naming its key and a fix', () => {
  const r = parseConfig({ domains: ['not a domain', 'ok.example.com', 'ok.example.com'], door: { httpsPorts: [8443, 70000], httpPort: 8443 }, acme: { challenge: 'carrier-pigeon', email: 'nope' }, bogus: 1 });
  assert.ok(!r.ok);
  const keys = r.error.map((p) => p.key);
  assert.deepEqual(keys.sort(), ['acme.challenge', 'acme.email', 'bogus', 'domains[0]', 'domains[2]', 'door', 'door.httpsPorts[1]'].sort());
  for (const p of r.error) assert.ok(p.message.length > 15, `message for ${p.key} says what to do: ${p.message}`);
});

test('domains are required', () => {
  for (const input of [{}, { domains: [] }, { domains: 'plex.example.com' }]) {
    const r = parseConfig(input);
    assert.ok(!r.ok);
    assert.equal(r.error[0]?.key, 'domains');
  }
  const r = parseConfig(null);
  assert.ok(!r.ok);
});

test('wildcards need dns-01 and a provider', () => {
  const a = parseConfig({ domains: ['*.example.com'], acme: { challenge: 'http-01' } });
  assert.ok(!a.ok);
  assert.ok(a.error.some((p) => p.key === 'acme.challenge' && p.message.includes('dns-01')));
  const b = parseConfig({ domains: ['*.example.com'], acme: { challenge: 'dns-01' } });
  assert.ok(!b.ok);
  assert.ok(b.error.some((p) => p.key === 'dns.provider'));
  const c = parseConfig({ domains: ['*.example.com'], acme: { challenge: 'dns-01' }, dns: { provider: { kind: 'duckdns', token: 'abcdef12' } } });
  assert.ok(c.ok);
});

test('rfc2136 provider is validated field by field', () => {
  const r = parseConfig({ domains: ['a.example.com'], dns: { provider: { kind: 'rfc2136', server: '127.0.0.1' } } });
  assert.ok(!r.ok);
  assert.deepEqual(r.error.map((p) => p.key).sort(), ['dns.provider.keyName', 'dns.provider.keySecret', 'dns.provider.zone'], 'each missing key on its own line');
});

test('domain name rules', () => {
  for (const good of ['plex.example.com', 'a-b.c.example.co.uk', '*.example.com', 'x.duckdns.org']) assert.ok(isDomainName(good), good);
  for (const bad of ['localhost', '-a.example.com', 'a..b', '1.2.3.4', 'exa mple.com', 'a.*.example.com', '']) assert.ok(!isDomainName(bad), bad);
});

test('requireDomains: false accepts a config with no domains yet (setup pending), and still checks the rest', () => {
  assert.equal(parseConfig({}).ok, false, 'domains stay required by default (cert, plex apply)');
  for (const input of [{}, { domains: [] }]) {
    const r = parseConfig(input, { requireDomains: false });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.deepEqual(r.value.domains, []);
  }
  const bad = parseConfig({ domains: 'plex.example.com', door: { httpsPorts: [70000] } }, { requireDomains: false });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.error.map((p) => p.key).sort(), ['domains', 'door.httpsPorts[0]']);
});

const BASE = { domains: ['plex.example.com'] };
const problemsOf = (input: unknown) => {
  const r = parseConfig(input);
  assert.ok(!r.ok, `refused: ${JSON.stringify(input)}`);
  return r.error;
};

test('unknown keys are refused at every level, naming the nearest known key', () => {
  const problems = problemsOf({ ...BASE, door: { htps: [8443] }, plex: { tokn: 'abcdefgh12' }, router: { mod: 'off' }, routes: [{ host: 'a.example.com', upstream: 'http://127.0.0.1:5055', upstrem: 'x' }], dns: { provider: { kind: 'duckdns', tokn: 'x' } }, acme: { eab: { kid: 'k', hmacKey: 'h', hmac: 'x' } }, ui: { prot: 1 } });
  const byKey = Object.fromEntries(problems.map((p) => [p.key, p.message]));
  assert.equal(byKey['door.htps'], 'unknown key; did you mean door.httpsPorts?');
  assert.equal(byKey['plex.tokn'], 'unknown key; did you mean plex.token?');
  assert.equal(byKey['router.mod'], 'unknown key; did you mean router.mode?', 'router.mod no longer leaves router mode at auto silently');
  assert.match(byKey['routes[0].upstrem'] ?? '', /^unknown key; remove it.*known keys in routes\[0\]: host, upstream/, 'a key already present is not suggested');
  assert.equal(byKey['dns.provider.tokn'], 'unknown key; did you mean dns.provider.token?');
  assert.match(byKey['acme.eab.hmac'] ?? '', /^unknown key/);
  assert.equal(byKey['ui.prot'], 'unknown key; did you mean ui.port?');
  assert.match(byKey['dns.provider.token'] ?? '', /^is required: the token shown/, 'a missing key says what it needs');
  assert.equal(problems.length, 8);
  const far = problemsOf({ ...BASE, bogus: 1 });
  assert.match(far[0]!.message, /^unknown key; remove it or check the spelling \(known keys: schemaVersion, domains, /);
});

test('credentials in plex.url or a route upstream are refused and never echoed', () => {
  const problems = problemsOf({ ...BASE, plex: { url: 'http://admin:hunter2@127.0.0.1:32400' }, routes: [{ host: 'a.example.com', upstream: 'http://bob:s3cret@127.0.0.1:5055' }] });
  assert.deepEqual(problems.map((p) => p.key), ['plex.url', 'routes[0].upstream']);
  for (const p of problems) {
    assert.match(p.message, /must not contain a user name or password \(http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\/\); remove them/);
    assert.doesNotMatch(p.message, /hunter2|s3cret|admin|bob/);
  }
});

test('careless values get one line each, naming the key and the fix', () => {
  const lines = (input: unknown) => problemsOf(input).map((p) => `${p.key}: ${p.message}`);
  assert.deepEqual(lines({ ...BASE, door: { httpsPorts: [0], httpPort: 0 } }), [
    'door.httpsPorts[0]: 0 is not a port; use a whole number from 1 to 65535',
    'door.httpPort: must be a port (1-65535) or null to turn the HTTP door off',
  ]);
  assert.match(lines({ ...BASE, door: { bind: 'localhost' } })[0]!, /^door\.bind: "localhost" is not an IP address; listen on an address such as "0\.0\.0\.0"/);
  assert.ok(parseConfig({ ...BASE, door: { bind: '::' } }).ok, 'an IPv6 literal is an address');
  assert.ok(parseConfig({ ...BASE, door: { bind: '192.168.1.20' } }).ok);
  assert.deepEqual(lines({ ...BASE, ui: { port: 8080 } }), ["ui.port: 8080 is also the door's HTTP port (door.httpPort); give the dashboard a port of its own, e.g. 8765"]);
  assert.match(lines({ ...BASE, door: { httpsPorts: [8443, 9000] }, ui: { port: 9000 } })[0]!, /^ui\.port: 9000 is also the door's HTTPS port \(door\.httpsPorts\)/);
  assert.ok(parseConfig({ ...BASE, ui: { port: 0 } }).ok, '0 still picks a free port');
  assert.match(lines({ domains: ['*.example.com'] })[0]!, /^dns\.provider: is needed for "\*\.example\.com": a wildcard certificate can only be validated with dns-01/);
  assert.match(lines({ domains: ['plex.example.com', '*.example.com'] })[0]!, /^dns\.provider: is needed for "\*\.example\.com"/);
  for (const d of ['*.plex.direct', 'plex.direct', '1-2-3-4.abcdef.plex.direct']) assert.match(lines({ domains: [d], dns: { provider: { kind: 'duckdns', token: 'abcdefgh' } } })[0]!, /^domains\[0\]: ".*" belongs to Plex/);
  assert.deepEqual(lines({ domains: ['plëx.example.com'] }), ['domains[0]: "plëx.example.com" has letters outside ASCII; certificates name it in punycode: use "xn--plx-kma.example.com"']);
  assert.deepEqual(lines({ domains: 'plex.example.com' }), ['domains: must be a list of names, e.g. ["plex.example.com"] (a list even for one name)']);
  assert.deepEqual(lines({ ...BASE, door: [] }), ['door: must be an object, e.g. {"httpsPorts": [8443]}'], 'a list is not an object');
});

test('an upstream that is the door itself is refused', () => {
  const keys = (input: unknown) => problemsOf(input).map((p) => p.key);
  assert.deepEqual(keys({ ...BASE, plex: { tlsPort: 8443 } }), ['plex.tlsPort']);
  assert.match(problemsOf({ ...BASE, plex: { tlsPort: 8443 } })[0]!.message, /Portico's own HTTPS port \(door\.httpsPorts\), so Portico would connect to itself; set it to Plex Media Server's own TLS port/);
  assert.deepEqual(keys({ ...BASE, door: { httpsPorts: [32400] } }), ['plex.url', 'plex.tlsPort'], 'the default Plex address on a door port');
  assert.deepEqual(keys({ ...BASE, plex: { url: 'http://localhost:8765' } }), ['plex.url'], 'the dashboard port');
  assert.deepEqual(keys({ ...BASE, plex: { url: 'http://[::1]:8080' } }), ['plex.url'], 'the HTTP door on ::1');
  assert.deepEqual(keys({ ...BASE, door: { bind: '192.168.1.20' }, plex: { url: 'http://192.168.1.20:8443', tlsPort: 8443 } }), ['plex.url', 'plex.tlsPort'], 'the bind address');
  assert.deepEqual(keys({ ...BASE, routes: [{ host: 'a.example.com', upstream: 'http://127.0.0.2:8443' }] }), ['routes[0].upstream']);
  assert.ok(parseConfig({ ...BASE, plex: { url: 'http://192.168.1.30:8443', tlsPort: 8443 } }).ok, 'another machine may use the same port');
  assert.ok(parseConfig({ ...BASE, door: { httpPort: null }, plex: { url: 'http://127.0.0.1:8080' } }).ok, 'a disabled HTTP door frees its port');
});

test('the allowed values come from one list each', () => {
  for (const mode of ROUTER_MODES) assert.ok(parseConfig({ ...BASE, router: { mode } }).ok, mode);
  for (const challenge of CHALLENGE_CHOICES) assert.ok(parseConfig({ ...BASE, acme: { challenge }, dns: { provider: { kind: 'duckdns', token: 'abcdefgh' } } }).ok, challenge);
  assert.equal(problemsOf({ ...BASE, router: { mode: 'upnpp' } })[0]!.message, `must be one of ${ROUTER_MODES.map((m) => `"${m}"`).join(', ')}`);
});

test('the form checks use the schema\'s own field rules and messages', () => {
  const whole = problemsOf({ domains: ['me.plex.direct'], acme: { email: 'nope' } });
  const fields = [...fieldProblems('domains', ['me.plex.direct']), ...fieldProblems('acme.email', 'nope')];
  assert.deepEqual(fields, whole);
  assert.deepEqual(fieldProblems('domains', ['plex.example.com']), []);
  assert.deepEqual(fieldProblems('acme.email', null), [], 'no email is allowed');
});

test('nearest key: a shortened or swapped key is found, an unrelated one is not', () => {
  const door = ['bind', 'httpsPorts', 'httpPort', 'publicHttpsPort', 'hsts'];
  assert.equal(nearestKey('htps', door), 'httpsPorts', 'not hsts, which is as many plain edits away');
  assert.equal(nearestKey('http', door), 'httpPort', 'a tie on the prefix goes to the closer whole key');
  assert.equal(nearestKey('HttpsPort', door), 'httpsPorts');
  assert.equal(nearestKey('bnid', door), 'bind');
  assert.equal(nearestKey('x', door), null);
  assert.equal(nearestKey('certificate', door), null);
});

test('every unknown key of an object is named at once; $schema stays allowed at the top', () => {
  const problems = problemsOf({ $schema: './portico.schema.json', ...BASE, door: { htps: [8443], bnid: '0.0.0.0', colour: 'red' }, extra: 1 });
  assert.deepEqual(problems.map((p) => `${p.key}: ${p.message}`).sort(), [
    'door.bnid: unknown key; did you mean door.bind?',
    'door.colour: unknown key; remove it or check the spelling (known keys in door: bind, httpsPorts, httpPort, publicHttpsPort, hsts)',
    'door.htps: unknown key; did you mean door.httpsPorts?',
    'extra: unknown key; remove it or check the spelling (known keys: schemaVersion, domains, dataDir, door, plex, routes, acme, dns, router, publicIp, alerts, ui)',
  ]);
  assert.ok(parseConfig({ $schema: './portico.schema.json', ...BASE }).ok);
});

test('ui.lan: off by default; its address must be one private address of this machine; its port its own; typos named', () => {
  const lines = (input: unknown) => problemsOf(input).map((p) => `${p.key}: ${p.message}`);
  const d = parseConfig(BASE);
  assert.ok(d.ok);
  assert.deepEqual(d.value.ui.lan, { enabled: false, port: 8766, bind: null, names: [] });
  const on = parseConfig({ ...BASE, ui: { lan: { enabled: true, bind: '192.168.1.20', names: ['NAS.local', 'nas'] } } });
  assert.ok(on.ok);
  assert.deepEqual(on.value.ui.lan.names, ['nas.local', 'nas']);
  for (const bind of ['0.0.0.0', '::', '203.0.113.7', 'nas.local']) {
    assert.match(lines({ ...BASE, ui: { lan: { bind } } })[0]!, /^ui\.lan\.bind: ".*": must be one private address of this machine \(e\.g\. "192\.168\.1\.20"\), or null for all of them; not 0\.0\.0\.0 or a public address$/, bind);
  }
  for (const bind of ['10.0.0.5', '127.0.0.2', 'fd00::5', '100.101.102.103']) assert.ok(parseConfig({ ...BASE, ui: { lan: { bind } } }).ok, bind);
  assert.match(lines({ ...BASE, ui: { lan: { names: ['http://nas.local:8766'] } } })[0]!, /^ui\.lan\.names\[0\]: "http:\/\/nas\.local:8766": must be a host name .*no port, no http/);
  assert.deepEqual(lines({ ...BASE, ui: { port: 8766, lan: { enabled: true } } }), ["ui.lan.port: 8766 is also the local dashboard's port (ui.port); give the dashboard on your network a port of its own"]);
  assert.match(lines({ ...BASE, ui: { lan: { enabled: true, port: 8443 } } })[0]!, /^ui\.lan\.port: 8443 is also the door's HTTPS port \(door\.httpsPorts\)/);
  assert.ok(parseConfig({ ...BASE, door: { httpsPorts: [8766] } }).ok, 'an unused default never makes a working config invalid');
  assert.deepEqual(lines({ ...BASE, ui: { lan: { enable: true } } }), ['ui.lan.enable: unknown key; did you mean ui.lan.enabled?']);
  assert.deepEqual(lines({ ...BASE, ui: { lan: { enabled: 'yes' } } }), ['ui.lan.enabled: must be true or false']);
});
