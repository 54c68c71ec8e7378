/**
 * Rules that used to be written in several places and disagreed; each now has one home. Each test
 * covers the case where the copies differed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { primaryDomain } from '../../main/shared/primary-domain.ts';
import { trayModel } from '../../main/shared/tray-model.ts';
import { health, HEALTH_WORD } from '../../main/shared/health.ts';
import { DNS_PROVIDER_SECRET_FIELDS } from '../../main/shared/secret-fields.ts';
import { DEFAULT_CONFIG, type Config, type DnsProviderConfig } from '../../main/shared/config.ts';
import { buildDiagnostics } from '../../main/core/service/diagnostics.ts';
import { healthyStatus } from './app-status-fixture.ts';

test('primary domain: the first plain name; a wildcard only when there is nothing else, without "*."', () => {
  assert.equal(primaryDomain(['*.example.com', 'plex.example.com']), 'plex.example.com');
  assert.equal(primaryDomain(['*.example.com']), 'example.com');
  assert.equal(primaryDomain(['plex.example.com', 'other.example.com']), 'plex.example.com');
  assert.equal(primaryDomain([]), null);
});

test('primary domain: the tray and the health line no longer show https://*.example.com', () => {
  const s = healthyStatus();
  s.domains = ['*.example.com', 'plex.example.com'];
  s.certificates[0]!.domains = ['*.example.com', 'plex.example.com'];
  s.health = health(s);
  assert.equal(s.health.state, 'ok');
  assert.match(s.health.reason, /^https:\/\/plex\.example\.com works; certificate valid until 2027-01-30/);
  assert.equal(trayModel(s, { startAtLogin: false }).plexUrl, 'https://plex.example.com/web/');
});

test('health words: the tray menu says the same word as the pill and the dashboard (tray said "Busy", dashboard "Working on it…")', () => {
  for (const state of ['ok', 'warning', 'error', 'working'] as const) {
    const s = healthyStatus();
    s.health = { state, reason: 'why' };
    const item = trayModel(s, { startAtLogin: false }).menu.find((m) => m.kind === 'item' && m.id === 'status');
    assert.ok(item && item.kind === 'item');
    assert.equal(item.label, `${HEALTH_WORD[state]}: why`);
  }
  assert.equal(new Set(Object.values(HEALTH_WORD)).size, 4, 'four states, four words');
});

test('secret fields: for every DNS provider, the field the config store moves to the secret store is masked in diagnostics', () => {
  const providers: DnsProviderConfig[] = [
    { kind: 'cloudflare', apiToken: 'cf-secret-value-123' },
    { kind: 'duckdns', token: 'duck-secret-value-123' },
    { kind: 'rfc2136', server: '127.0.0.1', port: 53, zone: 'example.com', keyName: 'k', keyAlgorithm: 'hmac-sha256', keySecret: 'tsig-secret-value-123' },
  ];
  assert.deepEqual(providers.map((p) => p.kind).sort(), Object.keys(DNS_PROVIDER_SECRET_FIELDS).sort(), 'every provider kind is covered');
  for (const provider of providers) {
    const config: Config = { ...structuredClone(DEFAULT_CONFIG), domains: ['plex.example.com'], dns: { provider, resolver: null, ddns: false } };
    const d = buildDiagnostics({ status: healthyStatus(), config, events: [], findings: [], versions: {}, now: 0 });
    for (const field of DNS_PROVIDER_SECRET_FIELDS[provider.kind] as readonly string[]) {
      const value = (provider as unknown as Record<string, string>)[field]!;
      assert.ok(!JSON.stringify(d).includes(value), `${provider.kind}.${field} leaked into diagnostics`);
    }
  }
});
