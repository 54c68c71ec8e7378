import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApiHandlers, type ApiHandlerDeps } from '../../../main/core/service/api-handlers.ts';
import { CHANNELS, type Check } from '../../../main/shared/api.ts';
import type { AppStatus } from '../../../main/shared/status.ts';
import type { RouterStatus } from '../../../main/shared/status/router.ts';
import type { CertificateStatus } from '../../../main/shared/status/certificates.ts';
import { healthyStatus } from '../../shared/app-status-fixture.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { makeTestCa, type TestCa } from '../../helpers/test-ca.ts';
import { handlerDeps } from './handler-deps.ts';

const DOMAIN = 'plex.example.com';

/** Nothing answers on loopback port 1: plex.tv and the DNS resolver fail at once, offline. */
const OFFLINE = { dns: { resolver: '127.0.0.1:1', provider: { kind: 'duckdns', token: 'DUCK-secret-token-1' } } };

async function setup(t: TestContext, opts: { status?: AppStatus; deps?: Partial<ApiHandlerDeps>; doc?: object; trust?: string[] } = {}) {
  const w = await handlerDeps(t, { ...opts, doc: { ...OFFLINE, ...opts.doc } });
  return { ...w, handlers: createApiHandlers(w.deps) };
}

const routerStatus = (patch: Partial<RouterStatus>): RouterStatus => ({ mode: 'auto', state: 'off', mappings: [], findings: [], ...patch });

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

test('every channel answers over the real managers, and each call updates the status exactly once', async (t) => {
  const { handlers, changes } = await setup(t, { status: { ...healthyStatus(), door: { ...healthyStatus().door, state: 'stopped', listeners: [] } } });
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
  assert.equal(changes.count, CHANNELS.length);
  const discover = await handlers['plex:discover']();
  assert.equal(discover.found, false);
  assert.match(discover.error?.fix ?? '', /\w/, 'PMS not running: says what to do');
  const issue = await handlers['cert:issue']({ staging: true });
  assert.ok(!issue.ok);
  assert.match(issue.error.fix ?? '', /\w/);
  assert.equal(changes.count, CHANNELS.length + 2);
});

test('a handler that throws still updates the status, and the exception reaches the boundary unchanged', async (t) => {
  const { handlers, changes } = await setup(t, {
    deps: { wizardStore: { get: async () => ({ step: 'welcome', completed: [], finished: false }), save: async () => { throw new Error('disk full'); } } },
  });
  await assert.rejects(Promise.resolve(handlers['wizard:save']({ step: 'plex', completed: [], finished: false })), /disk full/);
  assert.equal(changes.count, 1);
});

test('config, wizard and events go through the stores and the event log; a finished wizard starts the background work', async (t) => {
  const { handlers, events, background } = await setup(t);
  const r = await handlers['config:update']({ domains: ['media.example.org'] });
  assert.ok(r.ok);
  assert.deepEqual((await handlers['config:get']()).domains, ['media.example.org']);
  assert.equal((await handlers['config:get']()).dns.providerConfigured, true);
  assert.ok(!JSON.stringify(await handlers['config:get']()).includes('DUCK-secret'));
  assert.equal(events.list().at(-1)?.kind, 'config-changed');
  const bad = await handlers['config:update']({ domains: ['not a domain'] });
  assert.ok(!bad.ok);
  assert.equal(events.list().length, 1, 'a refused change is not logged as a change');
  const saved = await handlers['wizard:save']({ step: 'router', completed: ['welcome', 'plex', 'domain'], finished: false });
  assert.deepEqual(await handlers['wizard:get'](), saved);
  assert.equal(background.count, 0);
  await handlers['wizard:save']({ step: 'verify', completed: ['welcome', 'plex', 'domain'], finished: true });
  assert.equal(background.count, 1, 'renewals start once the wizard is finished');
  assert.deepEqual((await handlers['events:list']()).map((e) => e.kind), ['config-changed']);
});

test('certificates: staging runs the pre-flight only; the renewal loop starts after a real certificate; failures pass through with their fix', async (t) => {
  const calls: object[] = [];
  let renewFails = false;
  const status = (staging: boolean): CertificateStatus => ({ domains: [DOMAIN], state: staging ? 'none' : 'valid', notAfter: '2027-02-01T00:00:00Z', staging });
  const { handlers, events, background } = await setup(t, {
    deps: {
      certs: () => ({
        renewNow: async (o = {}) => {
          calls.push(o);
          return renewFails ? { ok: false, error: { code: 'acme-refused', message: 'The CA refused the order.', fix: 'Wait an hour and try again.' } } : { ok: true, value: status(!!o.staging) };
        },
      }),
    },
  });
  const dry = await handlers['cert:issue']({ staging: true });
  assert.ok(dry.ok && dry.value.staging === true);
  assert.equal(background.count, 0, 'a dry run is not a certificate to keep');
  assert.ok((await handlers['cert:issue']({ staging: false })).ok);
  assert.equal(background.count, 1);
  renewFails = true;
  const renewed = await handlers['cert:renew']({ force: true });
  assert.ok(!renewed.ok);
  assert.deepEqual(renewed.error, { code: 'acme-refused', message: 'The CA refused the order.', fix: 'Wait an hour and try again.' }, 'not relabelled');
  assert.equal(background.count, 1);
  assert.deepEqual(calls, [{ staging: true }, {}, { force: true }]);
  assert.deepEqual(events.list().map((e) => e.message), ['Dry run against the staging CA passed for plex.example.com.'], 'the manager reports real issuance and failures itself');
});

test('setup pending (no domain yet) answers setup-pending with its own fix, never as a missing certificate', async (t) => {
  const { handlers, events } = await setup(t, { doc: { domains: [] } });
  const pending = [
    await handlers['cert:issue']({ staging: false }),
    await handlers['cert:renew']({ force: true }),
    await handlers['router:diagnose'](),
    await handlers['plex:plan']({ manualPort: false, customCertificate: true }),
    await handlers['plex:apply']({ manualPort: false, customCertificate: true }),
  ];
  for (const r of pending) {
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'setup-pending', JSON.stringify(r.error));
    assert.match(r.error.fix ?? '', /Domain step/);
  }
  assert.equal(events.list().at(-1)?.kind, 'plex-applied-failed');
  const dns = await handlers['dns:check']();
  assert.ok(dns.ok && dns.value.length === 0, 'no names to check yet');
  const bundle = await handlers['diagnostics:export']();
  assert.ok(bundle.ok, 'diagnostics work without a domain');
});

test('plex and router actions are logged with their outcome; a router that took no mapping is an error with its fix', async (t) => {
  let next = routerStatus({ state: 'manual', error: 'the router at 192.168.1.1 does not answer UPnP, NAT-PMP or PCP.' });
  const { handlers, events } = await setup(t, {
    deps: {
      plex: () => ({
        discover: async () => ({ url: 'http://127.0.0.1:32400', found: true, token: 'signed-in', tokenValid: true }),
        startPinSignIn: async () => ({ ok: true, value: { authUrl: 'https://app.plex.tv/auth#', code: 'ABCD', expiresAt: '2026-01-01T00:15:00Z' } }),
        pollPinSignIn: async () => ({ ok: true, value: { state: 'waiting' } }),
        plan: async () => ({ ok: true, value: [] }),
        apply: async () => ({ ok: true, value: [{ id: 'customConnections', label: 'Custom server access URLs', before: '', after: 'https://plex.example.com:443' }] }),
        undo: async () => ({ ok: false, error: { code: 'plex-unreachable', message: 'Plex Media Server does not answer.', fix: 'Start it.' } }),
        verify: async () => [],
      }),
      router: () => ({ start: async () => next }),
    },
  });
  assert.ok((await handlers['plex:apply']({ manualPort: true, customCertificate: false })).ok);
  assert.ok(!(await handlers['plex:undo']()).ok);
  const failed = await handlers['router:map']();
  assert.ok(!failed.ok);
  assert.equal(failed.error.code, 'router-map-failed');
  assert.match(failed.error.message, /UPnP, NAT-PMP or PCP\.$/);
  assert.doesNotMatch(failed.error.message, /\.\.$/);
  assert.match(failed.error.fix ?? '', /forward the ports by hand/);
  next = routerStatus({ state: 'mapped', mappings: [{ protocol: 'upnp', externalPort: 443, internalPort: 8443, internalClient: '192.168.1.20', transport: 'TCP', state: 'mapped' }] });
  const m = await handlers['router:map']();
  assert.ok(m.ok && m.value.state === 'mapped');
  assert.deepEqual(events.list().map((e) => [e.kind, e.level, e.message]), [
    ['plex-applied', 'info', 'Plex settings applied (Custom server access URLs).'],
    ['plex-restored-failed', 'error', 'Plex Media Server does not answer. Start it.'],
    ['router-mapped-failed', 'error', 'Portico could not open the ports on your router: the router at 192.168.1.1 does not answer UPnP, NAT-PMP or PCP. Turn on UPnP (or NAT-PMP/PCP) in the router\'s settings and try again, or forward the ports by hand with the numbers shown.'],
    ['router-mapped', 'info', 'Router: 1 port mapping(s) in place (mapped).'],
  ]);
});

test('verify: a trusted certificate and Plex behind the door are green', async (t) => {
  const c = await testCa(t);
  const port = await fakeDoor(t, c.certPem, c.keyPem);
  const status = healthyStatus();
  status.door.listeners = [{ kind: 'https', port, listening: true }];
  const { handlers } = await setup(t, { status, trust: [c.caPem] });
  const r = await handlers['verify:run']();
  assert.ok(r.ok);
  const byId = Object.fromEntries(r.value.map((x: Check) => [x.id, x]));
  assert.equal(byId.door!.ok, true);
  assert.equal(byId[`door-certificate:${DOMAIN}`]!.ok, true, byId[`door-certificate:${DOMAIN}`]!.detail);
  assert.match(byId[`door-certificate:${DOMAIN}`]!.detail, /Portico Test Root|plex\.example\.com/);
  assert.equal(byId[`door-plex:${DOMAIN}`]!.ok, true, byId[`door-plex:${DOMAIN}`]!.detail);
  assert.equal(byId.router!.ok, true);
  assert.equal(byId['plex-server']!.ok, false, 'PMS itself is not running in this test');
  assert.ok(!('door-reaches-pms' in byId), 'the door checks above stand for PlexManager\'s unprobed door item');
  assert.equal(byId[`dns:${DOMAIN}`]!.ok, false, 'the resolver does not answer: red, with a fix');
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
