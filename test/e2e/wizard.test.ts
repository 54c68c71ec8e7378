/**
 * The wizard end to end, as a new user would go through it: Debian Chromium drives the headless
 * UI of the real service, inside the LAN namespace of a miniupnpd router, with pebble as the CA
 * and the PMS / plex.tv stand-ins. Ends with a pebble certificate served by the door, PMS prefs
 * applied, mappings on the router and Verify all green; then the failure paths (PMS down, router
 * without UPnP, CA refusing) each show their fix and lose nothing. Screenshots go to
 * test-results/screenshots/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouterNetns, type NetnsWorker } from '../helpers/router-netns.ts';
import { DOMAIN, type Agreement } from './fixtures/wizard-worker.ts';
import { HEALTH_WORD } from '../../main/shared/health.ts';

const WORKER = new URL('./fixtures/wizard-worker.ts', import.meta.url).pathname;
const SCREENSHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;

interface Facts { issuer: string; san: string; trusted: boolean; customConnections: string; manualPortMode: string; manualPort: string; wizard: { step: string; completed: string[]; finished: boolean }; domains: string[] }

test('wizard: from nothing to a trusted https://<domain> in front of Plex, then the failure paths', async (t) => {
  const net = await RouterNetns.create(t);
  const worker = await net.worker(net.lan, WORKER);
  // Not t.after: the namespace's own teardown (registered first) would kill the worker before it
  // could stop pebble, chromium and the service it started.
  try {
    await wizardAndFailures(net, worker);
  } finally {
    await within(worker.call('teardown'), 30_000, 'teardown').catch(() => {});
    await within(worker.close(), 10_000, 'worker exit').catch(() => {});
  }
});

/**
 * Verify shows `checkId` failed, and the service's verdict is `state` with that check's evidence as
 * its reason; the pill, the dashboard (heading and Checks card), the tray model and
 * `portico status --json` (exit code 3) all say the same.
 */
function assertAgreement(a: Agreement, checkId: string, state: 'warning' | 'error', evidence: RegExp): void {
  const all = JSON.stringify(a, null, 1);
  assert.ok(a.verify, `Verify lists ${checkId}: ${all}`);
  assert.equal(a.verify.ok, 'false', `Verify shows ${checkId} failed: ${all}`);
  assert.match(a.verify.detail, evidence, all);
  const reason = a.verify.detail.trim();
  assert.deepEqual(a.service, { state, reason }, `the verdict is the failed check: ${all}`);
  assert.equal(a.pill.state, state, all);
  assert.ok(a.pill.word.startsWith(HEALTH_WORD[state]), all);
  assert.equal(a.pill.reason, reason, all);
  assert.deepEqual(a.dashboard, { state, reason, checkState: 'failed' }, all);
  assert.equal(a.tray.icon, state, all);
  assert.equal(a.tray.status, `${HEALTH_WORD[state]}: ${reason}`, all);
  assert.ok(a.tray.tooltip.startsWith(`Portico: ${reason.slice(0, 100)}`), all);
  assert.deepEqual(a.cli, { exitCode: 3, state, reason, stderr: '' }, all);
}

/** A worker call that fails with a clear message instead of hanging the suite. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms); })]).finally(() => clearTimeout(timer));
}

async function wizardAndFailures(net: RouterNetns, worker: NetnsWorker): Promise<void> {
  const call = <T>(fn: string, ms: number, ...args: unknown[]) => within(worker.call<T>(fn, ...args), ms, fn)
    .catch(async (e: Error) => { throw new Error(`${e.message}\n--- service log ---\n${await within(worker.call<string>('logTail'), 5000, 'log').catch(() => '')}`); });
  const ports = await call<{ ui: string; doorHttps: number; doorHttp: number; setupPending: boolean }>('setup', 60_000, { extIp: net.extIp, lanIp: net.lanIp, screenshots: SCREENSHOTS });
  assert.match(ports.ui, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/);
  assert.equal(ports.setupPending, true, 'a first run without a domain starts "setup pending": no routes, no certificate order');

  const run = await call<{ verify: { id: string; ok: string; text: string }[]; summary: string; certSteps: string[]; resumedAt: string }>('happyPath', 120_000);
  assert.equal(run.resumedAt, 'router', 'reopening the dashboard mid-wizard resumes at the step the user was on');
  const red = run.verify.filter((c) => c.ok === 'false');
  assert.deepEqual(red, [], `Verify has red items: ${JSON.stringify(red, null, 1)}`);
  assert.match(run.summary, /All \d+ checks passed\. Remote access to Plex through your domain works: checked by the certificate authority from the internet at /);
  const ids = run.verify.map((c) => c.id);
  // check-outside: pebble's validator dials the door's ports, as the CA would through the router.
  for (const id of ['check-door', `check-door-certificate:${DOMAIN}`, `check-door-plex:${DOMAIN}`, 'check-plex-prefs', 'check-router', `check-dns:${DOMAIN}`, 'check-outside', 'check-plex-tv-resources']) {
    assert.ok(ids.includes(id), `Verify lacks ${id} (has ${ids.join(', ')})`);
    assert.equal(run.verify.find((c) => c.id === id)!.ok, 'true', `${id} is not green`);
  }
  assert.deepEqual(run.certSteps, ['cert-progress-staging=done', 'cert-progress-production=done']);

  const f = await call<Facts>('facts', 20_000);
  assert.match(f.issuer, /Pebble/i, 'the door serves a pebble-issued certificate');
  assert.equal(f.trusted, true, 'the certificate chains to this pebble run\'s root');
  assert.match(f.san, new RegExp(`DNS:${DOMAIN.replace(/\./g, '\\.')}`));
  assert.match(f.customConnections, new RegExp(`https://${DOMAIN.replace(/\./g, '\\.')}:443`), 'PMS lists our URL');
  assert.equal(f.manualPortMode, '1');
  assert.equal(f.manualPort, '443');
  assert.deepEqual(f.domains, [DOMAIN]);
  assert.deepEqual(f.wizard.completed, ['welcome', 'plex', 'domain', 'router', 'certificate', 'plex-settings']);

  const table = await net.routerTable();
  const m443 = table.find((r) => r.externalPort === 443);
  const m80 = table.find((r) => r.externalPort === 80);
  assert.deepEqual(m443 && { client: m443.client, internalPort: m443.internalPort }, { client: net.lanIp, internalPort: ports.doorHttps }, JSON.stringify(table));
  assert.deepEqual(m80 && { client: m80.client, internalPort: m80.internalPort }, { client: net.lanIp, internalPort: ports.doorHttp });

  const dash = await call<{ pill: string; reason: string; renewed: string; diagnostics: { filename: string; leaks: string[]; hasStatus: boolean } }>('dashboard', 60_000);
  assert.match(dash.pill, /\w/, 'the health pill (waited for in its ok state) has a label');
  assert.match(dash.reason, new RegExp(`https://${DOMAIN.replace(/\./g, '\\.')} works`));
  assert.match(dash.renewed, /renew|valid/i);
  assert.match(dash.diagnostics.filename, /^portico-diagnostics-.*\.json$/);
  assert.deepEqual(dash.diagnostics.leaks, [], 'the diagnostics bundle holds no secret');
  assert.equal(dash.diagnostics.hasStatus, true);

  // The domain stops resolving: every surface gives the verdict and the reason Verify gives.
  await call('publicDnsAnswers', 10_000, false);
  const dns = await call<Agreement>('agreement', 120_000, `dns:${DOMAIN}`);
  assertAgreement(dns, `dns:${DOMAIN}`, 'warning', /has no A or AAAA record/);
  await call('publicDnsAnswers', 10_000, true);
  const green = await call<{ red: string[]; pill: boolean }>('greenAgain', 120_000);
  assert.deepEqual(green.red, [], 'with the record back, Verify is green again');
  assert.equal(green.pill, true, 'and the pill says All good again');

  // Failure paths, in the same harness.
  const pms = await call<{ message: string; fix: string; recovered: boolean; pillError: boolean; pillAfter: boolean }>('pmsDown', 60_000);
  assert.equal(pms.pillError, true, 'the health pill turns to error while PMS is down');
  assert.equal(pms.pillAfter, true, 'and back to ok once PMS answers again');
  assert.match(pms.message, /Plex Media Server/);
  assert.match(pms.message, /Start Plex Media Server|start it|running/i, 'the notice says what to do');
  assert.equal(pms.recovered, true, 'bringing PMS back and "Check again" recovers');

  await net.stopDaemon();
  const router = await call<{ error: string; rows: string[][] }>('routerWithoutUpnp', 60_000);
  assert.match(router.error, /UPnP/);
  assert.match(router.error, /forward the ports|turn on UPnP/i);
  const https = router.rows.find((r) => r.includes(String(ports.doorHttps)));
  assert.ok(https, `manual rows show the HTTPS door port: ${JSON.stringify(router.rows)}`);
  assert.ok(https.includes(net.lanIp), 'manual rows show this machine\'s LAN address');
  assert.ok(https.includes('443'));

  // The router forwards nothing: the same reason on every surface as in Verify.
  const fwd = await call<Agreement>('agreement', 120_000, 'router');
  assertAgreement(fwd, 'router', 'warning', /port mapping failed|did not open|UPnP|router/i);

  const ca = await call<{ error: string; stillServed: boolean; certState: string }>('caRefusing', 60_000);
  assert.match(ca.error, /\w/);
  assert.equal(ca.stillServed, true, 'the valid certificate keeps being served while the CA refuses');
  assert.notEqual(ca.certState, 'none');

  const after = await call<Facts>('facts', 20_000);
  assert.deepEqual(after.domains, [DOMAIN], 'failures lose no settings');
  assert.deepEqual(after.wizard.completed, [...f.wizard.completed, 'verify'], 'failures lose no wizard progress');
  assert.equal(after.wizard.finished, true);
  assert.match(after.customConnections, new RegExp(DOMAIN.replace(/\./g, '\\.')));
}
