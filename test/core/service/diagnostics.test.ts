import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDiagnostics } from '../../../main/core/service/diagnostics.ts';
import { parseConfig } from '../../../main/shared/config.ts';
import { healthyStatus } from '../../shared/app-status-fixture.ts';

const SECRETS = {
  plexToken: 'PLEXTOKEN-abcdefghijk',
  cloudflare: 'CFTOKEN-0123456789abcdef',
  hmac: 'EABHMAC-zyxwvutsrqponm',
  ui: 'UITOKEN-qwertyuiopasdf',
};

test('the bundle keeps what helps debugging and contains no secret anywhere', () => {
  const parsed = parseConfig({
    domains: ['plex.example.com'],
    plex: { token: SECRETS.plexToken },
    acme: { email: 'me@example.com', eab: { kid: 'kid-1', hmacKey: SECRETS.hmac } },
    dns: { provider: { kind: 'cloudflare', apiToken: SECRETS.cloudflare, zoneId: 'zone-77' }, ddns: true },
  });
  assert.ok(parsed.ok);
  const status = healthyStatus();
  status.certificates[0]!.lastError = { code: 'dns-failed', message: `Cloudflare said no to token ${SECRETS.cloudflare}`, at: '2026-11-29T00:00:00Z' };
  status.plex.error = { code: 'x', message: `GET http://127.0.0.1:32400/identity?X-Plex-Token=${SECRETS.plexToken} failed` };
  const d = buildDiagnostics({
    status, config: parsed.value, findings: status.router.findings,
    events: [{ time: '2026-11-29T00:00:00Z', kind: 'plex-failed', level: 'error', message: `token ${SECRETS.plexToken} rejected; Authorization: Bearer ${SECRETS.ui}` }],
    versions: { portico: '0.1.0', node: process.versions.node }, now: Date.UTC(2026, 10, 29, 5, 0, 0), secrets: [SECRETS.ui],
  });
  for (const [name, value] of Object.entries(SECRETS)) assert.ok(!d.content.includes(value), `${name} leaked`);
  assert.ok(!d.content.includes('ABCDEFGHIJK'.toLowerCase()));
  const bundle = JSON.parse(d.content);
  assert.equal(bundle.config.dns.provider.apiToken, '[redacted]');
  assert.equal(bundle.config.dns.provider.zoneId, 'zone-77', 'non-secret provider fields stay');
  assert.deepEqual(bundle.config.domains, ['plex.example.com']);
  assert.equal(bundle.status.health.state, 'ok');
  assert.equal(bundle.status.router.mappings[0].externalPort, 443);
  assert.equal(bundle.versions.portico, '0.1.0');
  assert.equal(bundle.events.length, 1);
  assert.equal(d.filename, 'portico-diagnostics-2026-11-29T05-00-00-000Z.json');
});
