import { test } from 'node:test';
import assert from 'node:assert/strict';
import { health } from '../../main/shared/health.ts';
import type { AppStatus, HealthState } from '../../main/shared/status.ts';
import type { CertificateStatus } from '../../main/shared/status/certificates.ts';
import type { PortMappingStatus } from '../../main/shared/status/router.ts';
import { healthyStatus } from './app-status-fixture.ts';

const cert = (s: AppStatus): CertificateStatus => s.certificates[0]!;
const acmeError = (extra: Partial<NonNullable<CertificateStatus['lastError']>> = {}) => ({ code: 'acme-connection', message: 'CA could not connect to port 443', at: '2026-11-29T00:00:00Z', ...extra });
const mapping = (extra: Partial<PortMappingStatus>): PortMappingStatus => ({ protocol: 'upnp', externalPort: 80, internalPort: 8080, internalClient: '192.168.1.20', transport: 'TCP', state: 'failed', ...extra });
const manualRows = [{ name: 'HTTPS (Portico door)', externalPort: 443, internalClient: '192.168.1.20', internalPort: 8443, transport: 'TCP' as const }];

/**
 * Each case breaks one thing in a healthy status (as a user can meet it) and names the verdict
 * it must produce: state, the reason shown first and the action that fixes it (null: none).
 */
const cases: { name: string; want: HealthState; reason: RegExp; action: RegExp | null; edit: (s: AppStatus) => void }[] = [
  { name: 'healthy', want: 'ok', reason: /^https:\/\/plex\.example\.com works; certificate valid until 2027-01-30$/, action: null, edit: () => {} },
  { name: 'router mode manual, no error', want: 'ok', reason: /works/, action: null, edit: (s) => { s.router = { ...s.router, mode: 'manual', state: 'manual', mappings: [], manual: manualRows }; } },
  { name: 'router off', want: 'ok', reason: /works/, action: null, edit: (s) => { s.router = { mode: 'off', state: 'off', mappings: [], findings: [] }; } },
  { name: 'a hairpin warning finding alone', want: 'ok', reason: /works/, action: null, edit: (s) => { s.router.findings.push({ id: 'hairpin', severity: 'warning', title: 'No loopback', detail: '' }); } },

  // error
  { name: 'door error', want: 'error', reason: /door .* down: port 8443 in use/, action: /Quit the other program/, edit: (s) => { s.door.state = 'error'; s.door.error = { code: 'port-in-use', message: 'port 8443 in use', fix: 'Quit the other program' }; } },
  { name: 'door running, no HTTPS listener', want: 'error', reason: /not listening for HTTPS on port 8443: EADDRINUSE/, action: /door\.httpsPorts/, edit: (s) => { s.door.listeners[0] = { kind: 'https', port: 8443, listening: false, error: 'EADDRINUSE' }; } },
  { name: 'certificate expired', want: 'error', reason: /expired on 2027-01-30$/, action: /Renew certificate now.*next try is due 2026-12-31 00:00 UTC/, edit: (s) => { cert(s).state = 'expired'; } },
  { name: 'certificate expired, renewal failing', want: 'error', reason: /expired on 2027-01-30; renewal failed: CA could not connect/, action: /^Open port 443\. Portico retries on its own; the next try is due 2026-12-31 00:00 UTC\.$/, edit: (s) => { cert(s).state = 'expired'; cert(s).lastError = acmeError({ fix: 'Open port 443' }); } },
  { name: 'certificate failed, retrying', want: 'error', reason: /No certificate for plex\.example\.com: CA could not connect/, action: /Open port 443\. .*next try is due 2026-11-29 05:30 UTC/, edit: (s) => { cert(s).state = 'failed'; cert(s).nextAttemptAt = '2026-11-29T05:30:00Z'; cert(s).lastError = acmeError({ fix: 'Open port 443', retryable: true }); } },
  { name: 'certificate failed, not retryable', want: 'error', reason: /No certificate for plex\.example\.com: CA could not connect/, action: /Fix the CAA record\. Portico stopped retrying/, edit: (s) => { cert(s).state = 'failed'; delete cert(s).nextAttemptAt; cert(s).lastError = acmeError({ fix: 'Fix the CAA record', retryable: false }); } },
  { name: 'PMS unreachable', want: 'error', reason: /does not answer at http:\/\/127\.0\.0\.1:32400/, action: /Start Plex Media Server/, edit: (s) => { s.plex.state = 'unreachable'; } },
  { name: 'PMS unreachable with its own error', want: 'error', reason: /connection refused/, action: /wait until/, edit: (s) => { s.plex.state = 'unreachable'; s.plex.error = { code: 'pms-not-running', message: 'PMS: connection refused', fix: 'Start PMS and wait until it runs' }; } },
  { name: 'PMS answers but is not Plex', want: 'error', reason: /not Plex/, action: /plex\.url/, edit: (s) => { s.plex.state = 'error'; s.plex.error = { code: 'pms-bad-response', message: 'The server at the address is not Plex', fix: 'Correct plex.url' }; } },

  // warning
  { name: 'setup pending (no domain)', want: 'warning', reason: /^Setup not finished$/, action: /^Open the dashboard to choose your domain/, edit: (s) => { s.domains = []; s.certificates = []; s.plex.state = 'unknown'; } },
  { name: 'door stopped', want: 'warning', reason: /stopped/, action: /Restart/, edit: (s) => { s.door.state = 'stopped'; } },
  { name: 'HTTP listener error', want: 'warning', reason: /not listening on HTTP port 8080: EACCES/, action: /door\.httpPort/, edit: (s) => { s.door.listeners[1] = { kind: 'http', port: 8080, listening: false, error: 'EACCES' }; } },
  { name: 'one of two HTTPS listeners down', want: 'warning', reason: /HTTPS port 32443: EADDRINUSE/, action: /door\.httpsPorts/, edit: (s) => { s.door.listeners.push({ kind: 'https', port: 32443, listening: false, error: 'EADDRINUSE' }); } },
  { name: 'expiring, renewal failing', want: 'warning', reason: /expires on 2027-01-30 and renewal has not succeeded yet \(CA could not connect/, action: /Open port 443\. .*next try is due 2026-12-31/, edit: (s) => { cert(s).state = 'expiring'; cert(s).lastError = acmeError({ fix: 'Open port 443' }); } },
  { name: 'renewal retrying, cert still valid', want: 'warning', reason: /Renewal .* failed \(timeout\).*valid until 2027-01-30/, action: /next try is due 2026-12-31 00:00 UTC/, edit: (s) => { cert(s).lastError = { code: 'x', message: 'timeout', at: '2026-11-29T00:00:00Z' }; } },
  { name: 'renewal stopped (not retryable), cert still valid', want: 'warning', reason: /Renewal .* failed/, action: /stopped retrying/, edit: (s) => { cert(s).lastError = acmeError({ retryable: false }); } },
  { name: 'only a staging certificate', want: 'warning', reason: /test certificate \(staging CA\)/, action: /Certificate step/, edit: (s) => { cert(s).staging = true; } },
  { name: 'placeholder only', want: 'warning', reason: /^Setup not finished: no trusted certificate for plex\.example\.com yet, so the door shows a placeholder$/, action: /Certificate step/, edit: (s) => { s.certificates = [{ domains: ['plex.example.com'], state: 'placeholder' }]; } },
  { name: 'no certificate at all', want: 'warning', reason: /^No trusted certificate for plex\.example\.com yet$/, action: /Certificate step/, edit: (s) => { s.certificates = []; } },
  { name: 'second domain without a certificate', want: 'warning', reason: /for plex2\.example\.com/, action: /Certificate step/, edit: (s) => { s.domains.push('plex2.example.com'); } },
  { name: 'Plex token rejected', want: 'warning', reason: /token was rejected/, action: /Sign in again/, edit: (s) => { s.plex.state = 'error'; s.plex.signedIn = false; s.plex.error = { code: 'plex-token-rejected', message: 'The Plex token was rejected', fix: 'Sign in again' }; } },
  { name: 'not signed in', want: 'warning', reason: /not signed in/, action: /Plex step/, edit: (s) => { s.plex.signedIn = false; s.plex.state = 'found'; s.plex.tokenSource = 'none'; } },
  { name: 'prefs not applied', want: 'warning', reason: /does not know/, action: /apply/, edit: (s) => { s.plex.applied = false; } },
  { name: 'CGNAT finding', want: 'warning', reason: /carrier-grade NAT/, action: /ask your ISP/, edit: (s) => { s.router.findings.push({ id: 'cgnat', severity: 'error', title: 'Your provider uses carrier-grade NAT', detail: '100.64.1.2', fix: 'ask your ISP for a public IPv4 address' }); } },
  { name: 'router error (no gateway)', want: 'warning', reason: /^Automatic port mapping failed: no default gateway found/, action: /Router step/, edit: (s) => { s.router = { ...s.router, state: 'error', mappings: [], error: 'no default gateway found' }; } },
  { name: 'router conflict', want: 'warning', reason: /Port 443 on your router is already forwarded to 192\.168\.1\.77/, action: /Remove that forward/, edit: (s) => { s.router.state = 'partial'; s.router.mappings = [mapping({ externalPort: 443, internalPort: 8443, state: 'conflict', owner: '192.168.1.77', error: 'taken' })]; } },
  { name: 'router partial', want: 'warning', reason: /did not open port 80: refused/, action: /Forward 80\/TCP to 192\.168\.1\.20:8080 on your router by hand/, edit: (s) => { s.router.state = 'partial'; s.router.mappings.push(mapping({ error: 'refused' })); s.router.manual = [{ ...manualRows[0]!, externalPort: 80, internalPort: 8080 }]; } },
  { name: 'lease renewal failed while state says mapped', want: 'warning', reason: /did not open port 443: renewing/, action: /Router step/, edit: (s) => { s.router.mappings[0] = { ...s.router.mappings[0]!, state: 'failed', error: 'renewing failed' }; } },
  { name: 'router manual with error (no UPnP)', want: 'warning', reason: /^Portico cannot open the ports on your router: the router at 192\.168\.1\.1 does not answer/, action: /Forward 443\/TCP to 192\.168\.1\.20:8443/, edit: (s) => { s.router = { ...s.router, state: 'manual', mappings: [], manual: manualRows, error: 'the router at 192.168.1.1 does not answer UPnP' }; } },
  { name: 'DDNS failing', want: 'warning', reason: /^Dynamic DNS is failing: updating A of plex\.example\.com .* failed: bad token/, action: /Domain step/, edit: (s) => { s.router.ddns = { state: 'error', error: 'updating A of plex.example.com to 203.0.113.7 failed: bad token' }; } },
  { name: 'stale DNS', want: 'warning', reason: /points to 198\.51\.100\.1/, action: /dynamic DNS/, edit: (s) => { s.dns.records[0]!.values = ['198.51.100.1']; s.dns.records[0]!.matchesPublic = false; } },

  // working
  { name: 'door starting', want: 'working', reason: /starting/, action: null, edit: (s) => { s.door.state = 'starting'; } },
  { name: 'renewing', want: 'working', reason: /Getting a certificate for plex\.example\.com/, action: null, edit: (s) => { cert(s).state = 'renewing'; } },
  { name: 'first certificate being requested', want: 'working', reason: /Getting a certificate/, action: null, edit: (s) => { s.certificates = [{ domains: ['plex.example.com'], state: 'renewing' }]; } },
  { name: 'router discovering', want: 'working', reason: /router/, action: null, edit: (s) => { s.router.state = 'discovering'; } },
  { name: 'PMS not probed yet', want: 'working', reason: /Looking for Plex Media Server/, action: null, edit: (s) => { s.plex = { state: 'unknown', url: s.plex.url, signedIn: false, applied: false }; } },
  { name: 'DDNS updating', want: 'working', reason: /DNS record/, action: null, edit: (s) => { s.router.ddns = { state: 'updating' }; } },
];

for (const c of cases) {
  test(`health: ${c.name} -> ${c.want}`, () => {
    const s = healthyStatus();
    c.edit(s);
    const h = health(s);
    assert.equal(h.state, c.want, h.reason);
    assert.match(h.reason, c.reason);
    if (c.action === null) assert.equal(h.action, undefined);
    else assert.match(h.action ?? '', c.action);
    assert.ok(!/\n/.test(h.reason + (h.action ?? '')), 'reason and action are one line each');
  });
}

/** Two problems at once: the one named first must win. */
const priorities: { name: string; want: HealthState; reason: RegExp; edits: ((s: AppStatus) => void)[] }[] = [
  { name: 'error beats warning', want: 'error', reason: /does not answer/, edits: [(s) => { s.plex.applied = false; }, (s) => { s.plex.state = 'unreachable'; }] },
  { name: 'warning beats working', want: 'warning', reason: /does not know/, edits: [(s) => { cert(s).state = 'renewing'; }, (s) => { s.plex.applied = false; }] },
  { name: 'failed mapping beats a router still discovering', want: 'warning', reason: /did not open port/, edits: [(s) => { s.router.state = 'discovering'; }, (s) => { s.router.mappings[0]!.state = 'failed'; }] },
  { name: 'error beats working', want: 'error', reason: /expired/, edits: [(s) => { s.door.state = 'starting'; }, (s) => { cert(s).state = 'expired'; }] },
  { name: 'door down beats an expired certificate', want: 'error', reason: /door/, edits: [(s) => { cert(s).state = 'expired'; }, (s) => { s.door.state = 'error'; }] },
  { name: 'setup pending beats every other warning', want: 'warning', reason: /^Setup not finished$/, edits: [(s) => { s.plex.signedIn = false; s.router.state = 'error'; }, (s) => { s.domains = []; }] },
  { name: 'PMS down beats setup pending', want: 'error', reason: /does not answer/, edits: [(s) => { s.domains = []; }, (s) => { s.plex.state = 'unreachable'; }] },
  { name: 'an unfinished certificate beats Plex settings', want: 'warning', reason: /placeholder/, edits: [(s) => { s.plex.applied = false; }, (s) => { cert(s).state = 'placeholder'; }] },
  { name: 'failing DDNS is named before the stale record it causes', want: 'warning', reason: /Dynamic DNS/, edits: [(s) => { s.dns.records[0]!.matchesPublic = false; }, (s) => { s.router.ddns = { state: 'error', error: 'x' }; }] },
  { name: 'router manual-with-error beats DDNS', want: 'warning', reason: /cannot open the ports/, edits: [(s) => { s.router.ddns = { state: 'error', error: 'x' }; }, (s) => { s.router.state = 'manual'; s.router.error = 'no UPnP'; }] },
];

for (const p of priorities) {
  test(`health priority: ${p.name}`, () => {
    // Applied in both orders, so the verdict depends on importance, not on which edit came last.
    for (const order of [p.edits, [...p.edits].reverse()]) {
      const s = healthyStatus();
      for (const e of order) e(s);
      const h = health(s);
      assert.equal(h.state, p.want, h.reason);
      assert.match(h.reason, p.reason);
    }
  });
}

test('health: every problem names its fix; only ok and working may go without one', () => {
  for (const c of cases) {
    const s = healthyStatus();
    c.edit(s);
    const h = health(s);
    if (h.state === 'error' || h.state === 'warning') assert.ok(h.action, `${c.name}: has an action`);
  }
});

test('health: a multi-line peer message becomes one line', () => {
  const s = healthyStatus();
  cert(s).state = 'failed';
  cert(s).lastError = acmeError({ message: 'CA said:\n  connection refused', fix: 'Open port 443\nthen retry' });
  const h = health(s);
  assert.match(h.reason, /CA said: connection refused/);
  assert.match(h.action ?? '', /Open port 443 then retry/);
});

test('health: ignores the health already in the status', () => {
  const s = healthyStatus();
  s.health = { state: 'error', reason: 'stale' };
  assert.equal(health(s).state, 'ok');
});

/** The probes the service runs count like the components: "ok" only when each applicable one passed recently. */
const probeCases: { name: string; want: HealthState; reason: RegExp; action: RegExp | null; edit: (s: AppStatus) => void }[] = [
  { name: 'no probe has run yet', want: 'warning', reason: /^Not checked yet: a browser trusts the certificate/, action: /Verify/, edit: (s) => { s.checks = []; } },
  { name: 'the DNS probe has not run', want: 'warning', reason: /^Not checked yet: your domain points to this network$/, action: /Verify/, edit: (s) => { s.checks = s.checks.filter((c) => c.area !== 'dns'); } },
  { name: 'the outside check is stale', want: 'warning', reason: /^Not checked since 2026-11-01 10:00 UTC: reachable from the internet$/, action: /Verify/, edit: (s) => { s.checks.find((c) => c.area === 'outside')!.at = '2026-11-01T10:00:00Z'; } },
  { name: 'a probe under way', want: 'working', reason: /Asking the CA/, action: null, edit: (s) => { Object.assign(s.checks.find((c) => c.area === 'outside')!, { ok: null, running: true, detail: 'Asking the CA to reach the door' }); } },
  { name: 'the domain does not resolve', want: 'warning', reason: /has no A record/, action: /Create an A record/, edit: (s) => { Object.assign(s.checks.find((c) => c.area === 'dns')!, { ok: false, detail: 'plex.example.com has no A record.', fix: 'Create an A record for plex.example.com pointing to 203.0.113.7.' }); } },
  { name: 'the CA cannot connect', want: 'error', reason: /could not connect/, action: /Forward port 443/, edit: (s) => { Object.assign(s.checks.find((c) => c.area === 'outside')!, { ok: false, severity: 'error', detail: 'The CA could not connect to 203.0.113.7:443.', fix: 'Forward port 443 on your router to this computer.' }); } },
  { name: 'a not-applicable probe does not count', want: 'ok', reason: /works/, action: null, edit: (s) => { Object.assign(s.checks.find((c) => c.area === 'plex-published')!, { ok: null, notApplicable: true, detail: 'Not signed in to plex.tv.' }); } },
  { name: 'manual forwarding with the outside check passed', want: 'ok', reason: /works/, action: null, edit: (s) => { s.router = { ...s.router, mode: 'manual', state: 'manual', mappings: [], manual: manualRows }; } },
  { name: 'manual forwarding not yet seen from outside', want: 'warning', reason: /^Not checked yet: reachable from the internet$/, action: /Verify/, edit: (s) => { s.router = { ...s.router, mode: 'manual', state: 'manual', mappings: [], manual: manualRows }; s.checks = s.checks.filter((c) => c.area !== 'outside'); } },
  { name: 'setup pending needs no probes', want: 'warning', reason: /^Setup not finished$/, action: /choose your domain/, edit: (s) => { s.domains = []; s.certificates = []; s.checks = []; } },
];

for (const c of probeCases) {
  test(`health with probes: ${c.name} -> ${c.want}`, () => {
    const s = healthyStatus();
    c.edit(s);
    const h = health(s, Date.parse('2026-11-29T12:00:00Z'));
    assert.equal(h.state, c.want, h.reason);
    assert.match(h.reason, c.reason);
    if (c.action === null) assert.equal(h.action, undefined);
    else assert.match(h.action ?? '', c.action);
  });
}

test('health: a component problem is named before the probe that shows its symptom', () => {
  const s = healthyStatus();
  s.plex.state = 'unreachable';
  Object.assign(s.checks.find((c) => c.area === 'pms')!, { ok: false, detail: 'The door answered 502.', fix: 'Start Plex.' });
  assert.match(health(s).reason, /does not answer at/);
});

test('health: a renewal retry keeps the failure\'s verdict while it runs (no warning → working → warning)', () => {
  const s = healthyStatus();
  cert(s).lastError = acmeError({ fix: 'Open port 443' });
  const before = health(s);
  cert(s).state = 'renewing';
  const during = health(s);
  assert.equal(before.state, 'warning');
  assert.deepEqual(during, before);
  // A first certificate that failed and is being retried stays an error, not "working".
  s.certificates = [{ domains: ['plex.example.com'], state: 'renewing', lastError: acmeError({ fix: 'Open port 443' }) }];
  assert.equal(health(s).state, 'error');
  assert.match(health(s).reason, /No certificate for plex\.example\.com/);
});
