import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, isDomainName, DEFAULT_CONFIG } from '../../main/shared/config.ts';

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
  assert.deepEqual(r.error.map((p) => p.key).sort(), ['dns.provider.keyName', 'dns.provider.zone']);
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
