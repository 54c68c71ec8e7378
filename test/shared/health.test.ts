import { test } from 'node:test';
import assert from 'node:assert/strict';
import { health } from '../../main/shared/health.ts';
import type { AppStatus, HealthState } from '../../main/shared/status.ts';
import { healthyStatus } from './app-status-fixture.ts';

/** Each case breaks one thing in a healthy status and names the verdict it must produce. */
const cases: { name: string; want: HealthState; reason: RegExp; action?: RegExp | null; edit: (s: AppStatus) => void }[] = [
  { name: 'healthy', want: 'ok', reason: /https:\/\/plex\.example\.com works; certificate valid until 2027-01-30/, action: null, edit: () => {} },
  { name: 'door error', want: 'error', reason: /door .* down: port 8443 in use/, action: /Quit the other program/, edit: (s) => { s.door.state = 'error'; s.door.error = { code: 'port-in-use', message: 'port 8443 in use', fix: 'Quit the other program' }; } },
  { name: 'certificate expired', want: 'error', reason: /expired on 2027-01-30/, action: /Renew certificate now/, edit: (s) => { s.certificates[0]!.state = 'expired'; } },
  { name: 'certificate failed', want: 'error', reason: /No certificate for plex\.example\.com: CA said no/, action: /Open port 443/, edit: (s) => { s.certificates[0]!.state = 'failed'; s.certificates[0]!.lastError = { code: 'acme', message: 'CA said no', fix: 'Open port 443', at: '2026-11-29T00:00:00Z' }; } },
  { name: 'PMS unreachable', want: 'error', reason: /does not answer at http:\/\/127\.0\.0\.1:32400/, action: /Start Plex Media Server/, edit: (s) => { s.plex.state = 'unreachable'; } },
  { name: 'door starting', want: 'working', reason: /starting/, action: null, edit: (s) => { s.door.state = 'starting'; } },
  { name: 'renewing', want: 'working', reason: /Getting a certificate for plex\.example\.com/, action: null, edit: (s) => { s.certificates[0]!.state = 'renewing'; } },
  { name: 'router discovering', want: 'working', reason: /router/, action: null, edit: (s) => { s.router.state = 'discovering'; } },
  { name: 'no domain', want: 'warning', reason: /no domain/, action: /setup/, edit: (s) => { s.domains = []; } },
  { name: 'door stopped', want: 'warning', reason: /stopped/, action: /Restart/, edit: (s) => { s.door.state = 'stopped'; } },
  { name: 'expiring', want: 'warning', reason: /expires on 2027-01-30/, action: /Renew/, edit: (s) => { s.certificates[0]!.state = 'expiring'; } },
  { name: 'renewal retrying', want: 'warning', reason: /Renewal .* failed \(timeout\).*valid until 2027-01-30/, action: /next try is due 2026-12-31/, edit: (s) => { s.certificates[0]!.lastError = { code: 'x', message: 'timeout', at: '2026-11-29T00:00:00Z' }; } },
  { name: 'placeholder cert', want: 'warning', reason: /No trusted certificate for plex\.example\.com/, action: /Certificate step/, edit: (s) => { s.certificates[0]!.state = 'placeholder'; } },
  { name: 'not signed in', want: 'warning', reason: /not signed in/, action: /Plex step/, edit: (s) => { s.plex.signedIn = false; s.plex.state = 'found'; } },
  { name: 'prefs not applied', want: 'warning', reason: /does not know/, action: /apply/, edit: (s) => { s.plex.applied = false; } },
  { name: 'CGNAT finding', want: 'warning', reason: /carrier-grade NAT/, action: /ask your ISP/, edit: (s) => { s.router.findings.push({ id: 'cgnat', severity: 'error', title: 'Your provider uses carrier-grade NAT', detail: '100.64.1.2', fix: 'ask your ISP for a public IPv4 address' }); } },
  { name: 'router partial', want: 'warning', reason: /did not open port 80: conflict/, action: /by hand/, edit: (s) => { s.router.state = 'partial'; s.router.mappings.push({ protocol: 'upnp', externalPort: 80, internalPort: 8080, internalClient: '192.168.1.20', transport: 'TCP', state: 'failed', error: 'conflict' }); } },
  { name: 'stale DNS', want: 'warning', reason: /points to 198\.51\.100\.1/, action: /dynamic DNS/, edit: (s) => { s.dns.records[0]!.values = ['198.51.100.1']; s.dns.records[0]!.matchesPublic = false; } },
];

for (const c of cases) {
  test(`health: ${c.name} -> ${c.want}`, () => {
    const s = healthyStatus();
    c.edit(s);
    const h = health(s);
    assert.equal(h.state, c.want);
    assert.match(h.reason, c.reason);
    if (c.action === null) assert.equal(h.action, undefined);
    else if (c.action) assert.match(h.action ?? '', c.action);
    assert.ok(!h.reason.includes('\n'), 'reason is one line');
  });
}

test('health: an error beats work in progress beats a warning', () => {
  const s = healthyStatus();
  s.plex.applied = false;
  s.certificates[0]!.state = 'renewing';
  assert.equal(health(s).state, 'working');
  s.plex.state = 'unreachable';
  assert.equal(health(s).state, 'error');
});

test('health: ignores the health already in the status', () => {
  const s = healthyStatus();
  s.health = { state: 'error', reason: 'stale' };
  assert.equal(health(s).state, 'ok');
});
