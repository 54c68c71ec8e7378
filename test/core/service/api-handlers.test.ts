import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApiHandlers, type ApiHandlerDeps } from '../../../main/core/service/api-handlers.ts';
import { ConfigStore } from '../../../main/core/state/config-store.ts';
import { WizardStore } from '../../../main/core/state/wizard-store.ts';
import { EventLog } from '../../../main/core/state/event-log.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { CHANNELS, type Check } from '../../../main/shared/api.ts';
import type { AppStatus } from '../../../main/shared/status.ts';
import { healthyStatus } from '../../shared/app-status-fixture.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { makeTestCa, type TestCa } from '../../helpers/test-ca.ts';

const DOMAIN = 'plex.example.com';

async function setup(t: TestContext, opts: { status?: AppStatus; deps?: Partial<ApiHandlerDeps> } = {}) {
  const dir = await tmpDir(t);
  const path = join(dir, 'portico.json');
  await writeFile(path, JSON.stringify({ domains: [DOMAIN], door: { bind: '127.0.0.1' }, dns: { provider: { kind: 'duckdns', token: 'DUCK-secret-token-1' } } }));
  const store = await ConfigStore.open({ path, dataDir: dir, secrets: new MemorySecretStore() });
  assert.ok(store.ok);
  const clock = new ManualClock();
  const events = new EventLog({ clock });
  const status = opts.status ?? healthyStatus();
  const handlers = createApiHandlers({
    getStatus: () => status, configStore: store.value, wizardStore: new WizardStore(dir), events,
    versions: { portico: '0.1.0' }, now: () => clock.now(), logger: silentLogger, extraSecrets: () => ['UI-token-secret-xyz'],
    ...opts.deps,
  });
  return { handlers, events, status, store: store.value, dir };
}

/** A door stand-in: an HTTPS server with the given certificate that answers /identity like PMS. */
async function fakeDoor(t: TestContext, cert: string, key: string, identityStatus = 200): Promise<number> {
  const s = createServer({ cert, key }, (req, res) => {
    if (req.url === '/identity' && identityStatus === 200) {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0"?><MediaContainer size="0" claimed="1" machineIdentifier="abc123" version="1.41.0"></MediaContainer>');
    } else {
      res.writeHead(identityStatus);
      res.end('Plex Media Server is not answering');
    }
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }));
  return (s.address() as AddressInfo).port;
}

let ca: TestCa | undefined;
async function testCa(t: TestContext): Promise<TestCa> {
  return (ca ??= makeTestCa(await tmpDir(t), [DOMAIN]));
}

test('every channel answers without the optional managers, saying what is not available', async (t) => {
  const { handlers } = await setup(t, { status: { ...healthyStatus(), door: { ...healthyStatus().door, state: 'stopped', listeners: [] } } });
  const args: Record<string, unknown[]> = {
    'config:update': [{}], 'wizard:save': [{ step: 'plex', completed: ['welcome'], finished: false }],
    'plex:plan': [{ manualPort: true, customCertificate: false }], 'plex:apply': [{ manualPort: true, customCertificate: false }],
    'cert:issue': [{ staging: true }], 'cert:renew': [{ force: false }],
  };
  for (const c of CHANNELS) {
    const fn = handlers[c] as (...a: unknown[]) => unknown;
    const v = await fn(...(args[c] ?? []));
    assert.notEqual(v, undefined, c);
  }
  const discover = await handlers['plex:discover']();
  assert.equal(discover.found, false);
  assert.equal(discover.error?.code, 'not-available');
  const issue = await handlers['cert:issue']({ staging: true });
  assert.ok(!issue.ok);
  assert.equal(issue.error.code, 'not-available');
  assert.match(issue.error.fix ?? '', /\w/);
});

test('config, wizard and events go through the stores and the event log', async (t) => {
  const { handlers, events } = await setup(t);
  const r = await handlers['config:update']({ domains: ['media.example.org'] });
  assert.ok(r.ok);
  assert.deepEqual((await handlers['config:get']()).domains, ['media.example.org']);
  assert.equal((await handlers['config:get']()).dns.providerConfigured, true);
  assert.ok(!JSON.stringify(await handlers['config:get']()).includes('DUCK-secret'));
  assert.equal(events.list().at(-1)?.kind, 'config-changed');
  const bad = await handlers['config:update']({ domains: [] });
  assert.ok(!bad.ok);
  assert.equal(events.list().length, 1, 'a refused change is not logged as a change');
  const saved = await handlers['wizard:save']({ step: 'router', completed: ['welcome', 'plex', 'domain'], finished: false });
  assert.deepEqual(await handlers['wizard:get'](), saved);
  assert.deepEqual((await handlers['events:list']()).map((e) => e.kind), ['config-changed']);
});

test('manager results are passed through; user actions are logged as events, failures with their fix', async (t) => {
  const { handlers, events } = await setup(t, {
    deps: {
      certs: {
        issue: async ({ staging }) => ({ ok: true, value: { domains: [DOMAIN], state: 'valid', notAfter: '2027-02-01T00:00:00Z', staging } }),
        renew: async () => ({ ok: false, error: { code: 'acme-refused', message: 'The CA refused the order.', fix: 'Wait an hour and try again.' } }),
      },
    },
  });
  const issued = await handlers['cert:issue']({ staging: true });
  assert.ok(issued.ok && issued.value.staging === true);
  const renewed = await handlers['cert:renew']({ force: true });
  assert.ok(!renewed.ok);
  assert.equal(renewed.error.fix, 'Wait an hour and try again.');
  assert.deepEqual(events.list().map((e) => e.message), ['Dry run against the staging CA passed for plex.example.com.'], 'the manager reports real issuance and failures itself');
});

test('plex and router actions are logged with their outcome', async (t) => {
  const { handlers, events } = await setup(t, {
    deps: {
      plex: {
        discover: async () => ({ url: 'http://127.0.0.1:32400', found: true, token: 'signed-in', tokenValid: true }),
        signInStart: async () => ({ ok: true, value: { authUrl: 'https://app.plex.tv/auth#', code: 'ABCD', expiresAt: '2026-01-01T00:15:00Z' } }),
        signInPoll: async () => ({ ok: true, value: { state: 'waiting' } }),
        plan: async () => ({ ok: true, value: [] }),
        apply: async () => ({ ok: true, value: [{ id: 'customConnections', label: 'Custom server access URLs', before: '', after: 'https://plex.example.com:443' }] }),
        undo: async () => ({ ok: false, error: { code: 'plex-unreachable', message: 'Plex Media Server does not answer.', fix: 'Start it.' } }),
        verify: async () => [],
      },
      router: {
        map: async () => ({ ok: false, error: { code: 'router-map-failed', message: 'The router does not answer UPnP.', fix: 'Turn on UPnP.' } }),
        diagnose: async () => ({ ok: true, value: [] }),
      },
    },
  });
  assert.ok((await handlers['plex:apply']({ manualPort: true, customCertificate: false })).ok);
  assert.ok(!(await handlers['plex:undo']()).ok);
  assert.ok(!(await handlers['router:map']()).ok);
  assert.deepEqual(events.list().map((e) => [e.kind, e.level, e.message]), [
    ['plex-applied', 'info', 'Plex settings applied (Custom server access URLs).'],
    ['plex-restored-failed', 'error', 'Plex Media Server does not answer. Start it.'],
    ['router-mapped-failed', 'error', 'The router does not answer UPnP. Turn on UPnP.'],
  ]);
});

test('verify: a trusted certificate and Plex behind the door are green', async (t) => {
  const c = await testCa(t);
  const port = await fakeDoor(t, c.certPem, c.keyPem);
  const status = healthyStatus();
  status.door.listeners = [{ kind: 'https', port, listening: true }];
  const { handlers } = await setup(t, { status, deps: { extraTrustedCAs: () => [c.caPem] } });
  const r = await handlers['verify:run']();
  assert.ok(r.ok);
  const byId = Object.fromEntries(r.value.map((x: Check) => [x.id, x]));
  assert.equal(byId['door-listening']!.ok, true);
  assert.equal(byId[`door-certificate:${DOMAIN}`]!.ok, true, byId[`door-certificate:${DOMAIN}`]!.detail);
  assert.match(byId[`door-certificate:${DOMAIN}`]!.detail, /Portico Test Root|plex\.example\.com/);
  assert.equal(byId[`door-plex:${DOMAIN}`]!.ok, true, byId[`door-plex:${DOMAIN}`]!.detail);
  assert.equal(byId.router!.ok, true);
  assert.equal(byId.plex!.ok, null, 'no Plex manager: not checked rather than green');
});

test('verify: an untrusted certificate, PMS down behind the door, or a closed door are red, each with a fix', async (t) => {
  const c = await testCa(t);
  const untrusted = await fakeDoor(t, c.selfSignedPem, c.selfSignedKeyPem, 502);
  const status = healthyStatus();
  status.door.listeners = [{ kind: 'https', port: untrusted, listening: true }];
  status.router = { ...status.router, state: 'error', mappings: [], error: 'The router does not offer UPnP, NAT-PMP or PCP.' };
  const { handlers } = await setup(t, { status });
  const r = await handlers['verify:run']();
  assert.ok(r.ok);
  const byId = Object.fromEntries(r.value.map((x: Check) => [x.id, x]));
  assert.equal(byId[`door-certificate:${DOMAIN}`]!.ok, false);
  assert.match(byId[`door-certificate:${DOMAIN}`]!.fix ?? '', /Certificate step/);
  assert.equal(byId[`door-plex:${DOMAIN}`]!.ok, false);
  assert.match(byId[`door-plex:${DOMAIN}`]!.detail, /502/);
  assert.equal(byId.router!.ok, false);
  assert.match(byId.router!.detail, /UPnP/);
  assert.ok(r.value.filter((x: Check) => x.ok === false).every((x: Check) => x.fix), 'every red item has a fix');

  status.door.listeners = [{ kind: 'https', port: await freePort(), listening: true }];
  const closed = await handlers['verify:run']();
  assert.ok(closed.ok);
  const cert = closed.value.find((x: Check) => x.id === `door-certificate:${DOMAIN}`)!;
  assert.equal(cert.ok, false);
  assert.match(cert.detail, /ECONNREFUSED/);
});

test('diagnostics:export masks the config secrets and the UI token', async (t) => {
  const { handlers, events } = await setup(t);
  events.add('test', 'info', 'the UI token is UI-token-secret-xyz');
  const r = await handlers['diagnostics:export']();
  assert.ok(r.ok);
  assert.ok(!r.value.content.includes('DUCK-secret-token-1'));
  assert.ok(!r.value.content.includes('UI-token-secret-xyz'));
  assert.equal(JSON.parse(r.value.content).config.domains[0], DOMAIN);
});
