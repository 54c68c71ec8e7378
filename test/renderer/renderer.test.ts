/**
 * The wizard and dashboard in Debian's Chromium, served by the real headless UiServer (token,
 * SSE) with a stand-in service behind the contract. Walks every step as a new user would,
 * including the failure paths the UI must explain, and checks accessibility (axe-core) in light
 * and dark, a 200 % zoom layout, CSP cleanliness and that leaving halfway loses nothing.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { UiServer } from '../../main/core/ui/ui-server.ts';
import { silentLogger } from '../../main/core/support/logger.ts';
import { StandInService } from './stand-in-service.ts';

const root = new URL('../../', import.meta.url).pathname;
const shots = `${root}test-results/screenshots`;
const axeSource = await readFile(`${root}node_modules/axe-core/axe.min.js`, 'utf8');
const token = randomBytes(24).toString('base64url');

let browser: Browser;
let dir: string;
const servers = new Map<number, UiServer>();

before(async () => {
  dir = await mkdtemp(`${tmpdir()}/portico-renderer-`);
  await build({ entryPoints: [`${root}renderer/app.ts`], bundle: true, format: 'esm', target: 'chrome120', outfile: `${dir}/app.js`, logLevel: 'warning' });
  for (const f of ['index.html', 'styles.css']) await cp(`${root}renderer/${f}`, `${dir}/${f}`);
  await cp(`${root}renderer/assets`, `${dir}/assets`, { recursive: true });
  await mkdir(shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The real headless UiServer (token, SSE) in front of a stand-in service, one per test. */
async function serve(t: TestContext, service: StandInService, port = 0): Promise<string> {
  const server = new UiServer({
    port, staticDir: dir, token, logger: silentLogger, handlers: service.handlers(),
    getStatus: () => service.status, onDidChangeStatus: service.onDidChangeStatus, onDidAddEvent: service.onDidAddEvent, heartbeatMs: 60_000,
  });
  await server.start();
  t.after(() => server.stop());
  servers.set(server.port, server);
  return `http://127.0.0.1:${server.port}`;
}

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/** axe-core in the page; serious and critical findings fail the test with what and where. */
async function axe(page: Page, label: string): Promise<void> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(axeSource);
  const violations = await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)') as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${label}`);
}

async function noHorizontalScroll(page: Page, label: string): Promise<void> {
  const [scroll, width] = await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]') as [number, number];
  assert.ok(scroll <= width, `${label}: content is ${scroll}px wide in a ${width}px viewport (horizontal scrolling)`);
}

async function openPage(t: TestContext, base: string, opts: { colorScheme: 'light' | 'dark'; width?: number; height?: number }): Promise<{ page: Page; cspErrors: string[] }> {
  const context = await browser.newContext({ colorScheme: opts.colorScheme, viewport: { width: opts.width ?? 1100, height: opts.height ?? 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) cspErrors.push(m.text()); });
  page.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
  t.after(() => context.close());
  page.setDefaultTimeout(10_000);
  await page.goto(`${base}/#token=${token}`);
  return { page, cspErrors };
}

const step = (page: Page, id: string) => page.getByTestId(`step-${id}`).waitFor();
/** Wait until no loading message (they all end in an ellipsis) is on screen; SSE keeps the network busy forever. */
async function settle(page: Page): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate('![...document.querySelectorAll("[role=status]")].some((e) => e.textContent.trim().endsWith("…"))')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('the page kept showing a loading message for 10 s');
}
const shot = (page: Page, name: string) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });

test('a new user walks the wizard to the dashboard; failures explain themselves; nothing is lost on reload', async (t) => {
  const service = new StandInService();
  const base = await serve(t, service);
  const { page, cspErrors } = await openPage(t, base, { colorScheme: 'light' });
  // The token leaves the address bar at once (it would otherwise end up in history and screenshots).
  await step(page, 'welcome');
  assert.ok(!page.url().includes('token'), page.url());
  await axe(page, 'welcome');
  await shot(page, 'light-1-welcome');
  await page.getByTestId('welcome-start').click();

  // Plex: found, not signed in -> PIN sign-in, code shown, polled until signed in.
  await step(page, 'plex');
  await page.getByTestId('plex-found').waitFor();
  assert.equal(await page.getByTestId('wizard-next').isDisabled(), true, 'cannot continue before signing in');
  await page.getByTestId('plex-signin').click();
  assert.equal(await page.getByTestId('plex-pin-code').textContent(), 'WXYZ');
  assert.match(await page.getByTestId('plex-auth-link').getAttribute('href') ?? '', /^https:\/\/app\.plex\.tv\/auth#/);
  await page.getByTestId('plex-signed-in').waitFor();
  await axe(page, 'plex');
  await shot(page, 'light-2-plex');
  await page.getByTestId('wizard-next').click();

  // Domain: a bad name is refused with the key's message, then a good one is saved and checked.
  await step(page, 'domain');
  await page.getByTestId('domain-name').fill('plex_example');
  await page.getByTestId('domain-save').click();
  await page.getByTestId('domain-problem').waitFor();
  assert.match(await page.getByTestId('domain-problems').textContent() ?? '', /domains\[0\].*not a domain name/);
  assert.equal(await page.getByTestId('domain-name').getAttribute('aria-invalid'), 'true');
  // The form checks with the config's own rules before sending: a name Plex owns never reaches the service.
  await page.getByTestId('domain-name').fill('me.plex.direct');
  await page.getByTestId('domain-save').click();
  await page.getByTestId('domain-problems').getByText('belongs to Plex').waitFor();
  assert.equal(service.calls.filter((c) => c === 'config:update').length, 0);
  await page.getByTestId('domain-name').fill('plex.example.com');
  await page.getByTestId('acme-email').fill('me@example.com');
  await page.getByTestId('domain-save').click();
  await page.getByTestId('dns-checks').waitFor();
  assert.equal(await page.locator('[data-testid="dns-checks"] [data-ok="true"]').count(), 2);
  assert.equal(service.config.domains[0], 'plex.example.com');
  await axe(page, 'domain');
  await shot(page, 'light-3-domain');
  await page.getByTestId('wizard-next').click();

  // Router: no UPnP -> the error says what to do; the manual rows carry this machine's numbers.
  await step(page, 'router');
  await page.getByTestId('router-map').click();
  await page.getByTestId('router-map-error').waitFor();
  assert.match(await page.getByTestId('router-map-error').textContent() ?? '', /What to do: .*forward the ports yourself/);
  const rows = await page.getByTestId('router-manual-rows').locator('tbody tr').allTextContents();
  assert.deepEqual(rows.map((r) => r.replace(/\s+/g, ' ')), [
    'HTTPS (your Plex address)443TCP192.168.1.208443',
    'HTTP (certificate checks, redirects)80TCP192.168.1.208080',
  ], 'no 32400 row: router.mapPlexPort is off, so the router keeps WAN 32400 for nobody');
  await page.getByTestId('router-findings').waitFor();
  // Second try succeeds (the user turned UPnP on): the mapping shows up.
  await page.getByTestId('router-map').click();
  await page.getByTestId('router-mapped').waitFor();
  assert.match(await page.getByTestId('router-mappings').textContent() ?? '', /443\/TCP.*192\.168\.1\.20:8443/);
  await axe(page, 'router');
  await shot(page, 'light-4-router');
  await page.getByTestId('wizard-next').click();

  // Certificate: dry run then production, each step's progress visible.
  await step(page, 'certificate');
  await page.getByTestId('cert-issue').click();
  await page.getByTestId('cert-issued').waitFor();
  assert.equal(await page.getByTestId('cert-progress-staging').getAttribute('data-state'), 'done');
  assert.equal(await page.getByTestId('cert-progress-production').getAttribute('data-state'), 'done');
  assert.deepEqual(service.calls.filter((c) => c === 'cert:issue').length, 2);
  await page.getByTestId('cert-current-state').first().waitFor();
  await axe(page, 'certificate');
  await shot(page, 'light-5-certificate');
  await page.getByTestId('wizard-next').click();

  // Plex settings: exact before/after, apply.
  await step(page, 'plex-settings');
  await page.getByTestId('plex-plan-table').waitFor();
  assert.equal(await page.getByTestId('pref-before-ManualPortMappingPort').first().textContent(), '32400');
  assert.equal(await page.getByTestId('pref-after-customConnections').first().textContent(), 'https://plex.example.com:443');
  await page.getByTestId('plex-apply').click();
  await page.getByTestId('plex-applied').waitFor();
  await axe(page, 'plex-settings');
  await shot(page, 'light-6-plex-settings');
  await page.getByTestId('wizard-next').click();

  // Verify: all green, then finish to the dashboard.
  await step(page, 'verify');
  await page.getByTestId('verify-checks').waitFor();
  assert.equal(await page.locator('[data-testid="verify-checks"] [data-ok="false"]').count(), 0);
  assert.equal(await page.locator('[data-testid="verify-checks"] [data-ok="true"]').count(), 5);
  await axe(page, 'verify');
  await shot(page, 'light-7-verify');
  await page.getByTestId('verify-finish').click();

  // Dashboard: health, live updates over SSE, actions.
  await page.getByTestId('dashboard').waitFor();
  assert.equal(await page.getByTestId('health-card').getAttribute('data-state'), 'ok');
  assert.equal(service.wizard.finished, true);
  await page.getByTestId('events-list').getByText('Certificate for plex.example.com issued').waitFor();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-diagnostics').click();
  assert.equal((await download).suggestedFilename(), 'portico-diagnostics-20261129.json');
  await page.getByTestId('renew-now').click();
  await page.getByTestId('renew-done').waitFor();
  await page.getByTestId('events-list').getByText('Certificate renewed on request.').waitFor();
  await axe(page, 'dashboard');
  await shot(page, 'light-8-dashboard');

  service.update((s) => { s.plex.state = 'unreachable'; s.plex.error = { code: 'pms-unreachable', message: 'Plex Media Server does not answer at http://127.0.0.1:32400.', fix: 'Start Plex Media Server.' }; });
  await page.locator('[data-testid="health-card"][data-state="error"]').waitFor();
  assert.match(await page.getByTestId('health-action').textContent() ?? '', /Start Plex Media Server/);
  await axe(page, 'dashboard (error)');
  await shot(page, 'light-9-dashboard-error');
  service.update((s) => { s.demo = true; });
  await page.getByTestId('demo-banner').waitFor();
  service.update((s) => { s.demo = false; s.plex.state = 'configured'; delete s.plex.error; });

  // Leaving and coming back: the session survives a reload, the domain form is refilled.
  await page.reload();
  await page.getByTestId('dashboard').waitFor();
  await page.goto(`${base}/#/setup/domain`);
  await step(page, 'domain');
  assert.equal(await page.getByTestId('domain-name').inputValue(), 'plex.example.com');
  assert.equal(await page.getByTestId('acme-email').inputValue(), 'me@example.com');
  assert.equal(await page.locator('[data-testid^="step-link-"] .visually-hidden').count(), 7, 'every step shows as done');

  assert.deepEqual(cspErrors, []);
});

test('dark mode: every step and the dashboard pass axe; 200 % zoom needs no horizontal scrolling', async (t) => {
  const base = await serve(t, await StandInService.finished());
  const { page, cspErrors } = await openPage(t, base, { colorScheme: 'dark' });
  await page.getByTestId('dashboard').waitFor();
  await axe(page, 'dark dashboard');
  await shot(page, 'dark-dashboard');
  for (const s of ['welcome', 'plex', 'domain', 'router', 'certificate', 'plex-settings', 'verify']) {
    await page.goto(`${base}/#/setup/${s}`);
    await step(page, s);
    await settle(page);
    await axe(page, `dark ${s}`);
    if (s === 'certificate' || s === 'router') await shot(page, `dark-${s}`);
  }

  // 200 %: a 1280x800 window at 200 % zoom lays out like a 640x400 viewport.
  const zoomed = await openPage(t, base, { colorScheme: 'light', width: 640, height: 400 });
  await zoomed.page.getByTestId('dashboard').waitFor();
  await noHorizontalScroll(zoomed.page, 'dashboard');
  for (const s of ['welcome', 'plex', 'domain', 'router', 'certificate', 'plex-settings', 'verify']) {
    await zoomed.page.goto(`${base}/#/setup/${s}`);
    await step(zoomed.page, s);
    await settle(zoomed.page);
    await noHorizontalScroll(zoomed.page, s);
  }
  await shot(zoomed.page, 'zoom200-verify');
  assert.deepEqual([...cspErrors, ...zoomed.cspErrors], []);
});

test('keyboard: the step list and buttons are reachable with Tab and show a focus ring', async (t) => {
  const base = await serve(t, new StandInService());
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  // A new user lands on Welcome with nothing focused, so Tab starts at the top of the page.
  await step(page, 'welcome');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
  const reached = new Set<string>();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const [id, outline] = await page.evaluate('[document.activeElement.dataset.testid ?? document.activeElement.tagName, getComputedStyle(document.activeElement).outlineStyle]') as [string, string];
    if (id === 'BODY') break;
    reached.add(id);
    assert.notEqual(outline, 'none', `${id} has a visible focus ring`);
  }
  for (const id of ['nav-wizard', 'nav-dashboard', 'step-link-plex', 'step-link-verify', 'welcome-start']) assert.ok(reached.has(id), `${id} reachable by keyboard (reached: ${[...reached].join(', ')})`);
  // The skip link jumps to the content without leaving the step (the fragment is the router).
  await page.reload();
  await step(page, 'welcome');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate('document.activeElement.id'), 'main');
  assert.equal(await page.getByTestId('step-welcome').count(), 1);
});

test('without a valid session token the page says to open the link from `portico serve`', async (t) => {
  const base = await serve(t, new StandInService());
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/#token=wrong-token`);
  await page.getByTestId('unauthorized').waitFor();
  assert.match(await page.getByTestId('unauthorized').textContent() ?? '', /open the link printed by portico serve/);
  await axe(page, 'unauthorized');
  await context.close();
});

test('failure paths: PMS down and the CA refusing each show their fix, and recover without losing anything', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const { page, cspErrors } = await openPage(t, base, { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  const domainsBefore = [...service.config.domains];

  service.pmsDown = true;
  await page.goto(`${base}/#/setup/plex`);
  await page.getByTestId('plex-not-found').waitFor();
  assert.match(await page.getByTestId('plex-not-found').textContent() ?? '', /connection refused.*What to do: Start Plex Media Server/);
  await axe(page, 'plex down');
  await shot(page, 'failure-pms-down');
  service.pmsDown = false;
  await page.getByTestId('plex-recheck').click();
  await page.getByTestId('plex-signed-in').waitFor();

  service.caRefuses = true;
  await page.goto(`${base}/#/setup/certificate`);
  await step(page, 'certificate');
  await page.getByTestId('cert-issue').click();
  await page.getByTestId('cert-error').waitFor();
  assert.match(await page.getByTestId('cert-error').textContent() ?? '', /timed out.*What to do: Make sure your router forwards port 443/);
  assert.equal(await page.getByTestId('cert-progress-staging').getAttribute('data-state'), 'failed');
  assert.equal(await page.getByTestId('cert-progress-production').getAttribute('data-state'), 'skipped', 'a failed dry run never reaches the real CA');
  assert.match(await page.locator('.step .hint').allTextContents().then((t) => t.join(' ')), /no rate limit was used up/);
  await axe(page, 'CA refusing');
  await shot(page, 'failure-ca-refusing');
  service.caRefuses = false;
  await page.getByTestId('cert-issue').click();
  await page.getByTestId('cert-issued').waitFor();

  assert.deepEqual(service.config.domains, domainsBefore, 'the failures changed no settings');
  assert.equal(service.wizard.completed.length, 7, 'and no progress was lost');
  assert.deepEqual(cspErrors, []);
});

test('a dropped service connection is shown, and the page catches up when the service is back', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const port = Number(new URL(base).port);
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  await servers.get(port)!.stop();
  await page.getByTestId('link-status').getByText('Connection to Portico lost').waitFor();
  // While away, Plex went down; the page must learn it from the status it fetches on reconnect.
  service.update((s) => { s.plex.state = 'unreachable'; });
  await serve(t, service, port);
  await page.locator('[data-testid="health-card"][data-state="error"]').waitFor({ timeout: 15_000 });
  assert.equal((await page.getByTestId('link-status').textContent())?.trim(), '');
});

test('the bundle needs nothing a strict CSP forbids: no eval, no Function constructor, no inline handlers', async () => {
  const js = await readFile(`${dir}/app.js`, 'utf8');
  assert.ok(!/\beval\s*\(/.test(js), 'no eval');
  assert.ok(!/new Function\s*\(/.test(js), 'no Function constructor');
  assert.ok(!/\.innerHTML\s*=|insertAdjacentHTML|document\.write/.test(js), 'no HTML from strings');
  assert.ok(!/setAttribute\(\s*["'](on\w+|style)["']/.test(js), 'no inline handlers or styles');
});

test('router step and dashboard show the router as it is now: a failed re-map or a lapsed lease leaves no "mapped" rows behind', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const { page, cspErrors } = await openPage(t, base, { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  await page.goto(`${base}/#/setup/router`);
  await step(page, 'router');
  assert.match(await page.getByTestId('router-mappings').textContent() ?? '', /443\/TCP.*mapped/, 'the current mapping is shown on arrival');
  await page.getByTestId('router-map').click();
  await page.getByTestId('router-mapped').waitFor();

  // The router stops answering: the re-map fails and the service drops the mappings.
  service.routerMapFails = true;
  await page.getByTestId('router-map').click();
  await page.getByTestId('router-map-error').waitFor();
  await page.locator('[data-testid="router-now"][data-state="manual"]').waitFor();
  assert.equal(await page.getByTestId('router-mappings').textContent(), 'Portico has no port mappings on your router.');
  assert.equal(await page.getByTestId('router-mapped').count(), 0, 'no success message next to a failure');
  assert.match(await page.getByTestId('router-now-error').textContent() ?? '', /does not answer UPnP/);
  await page.locator('[data-testid="health-pill"].pill-warning').waitFor();
  assert.match(await page.getByTestId('health-pill').textContent() ?? '', /Needs attention: Portico cannot open the ports/);
  await axe(page, 'router after a failed re-map');

  // Back on, then the lease lapses on its own: the success message goes, the row says why.
  service.routerMapFails = false;
  await page.getByTestId('router-map').click();
  await page.getByTestId('router-mapped').waitFor();
  await page.locator('[data-testid="health-pill"].pill-ok').waitFor();
  service.update((s) => { s.router.state = 'partial'; s.router.mappings[0] = { ...s.router.mappings[0]!, state: 'failed', error: 'renewing WAN port 443 failed: timeout' }; });
  await page.locator('[data-testid="router-now"][data-state="partial"]').waitFor();
  assert.equal(await page.getByTestId('router-mapped').count(), 0);
  assert.match(await page.getByTestId('router-mappings').textContent() ?? '', /failed: renewing WAN port 443 failed/);
  await page.locator('[data-testid="health-pill"].pill-warning').waitFor();

  // The dashboard card draws the same live state, down to an empty list.
  service.update((s) => { s.router = { ...s.router, state: 'error', mappings: [], error: 'no default gateway found' }; });
  await page.goto(`${base}/#/dashboard`);
  await page.locator('[data-testid="dash-router"][data-state="error"]').waitFor();
  assert.equal(await page.getByTestId('dash-mappings').textContent(), 'Portico has no port mappings on your router.');
  assert.match(await page.getByTestId('health-reason').textContent() ?? '', /Automatic port mapping failed: no default gateway found/);
  assert.deepEqual(cspErrors, []);
});

test('setup pending (no domain): the wizard opens at Welcome or Domain, and the dashboard says setup is not finished', async (t) => {
  // First run: nothing saved, so Welcome; the pill already says why.
  const fresh = new StandInService();
  const { page, cspErrors } = await openPage(t, await serve(t, fresh), { colorScheme: 'light' });
  await step(page, 'welcome');
  assert.match(await page.getByTestId('health-pill').textContent() ?? '', /Needs attention: Setup not finished/);

  // A finished wizard whose domain was removed (config reset): setup resumes at Domain, not at Verify.
  const service = await StandInService.finished();
  service.config = { ...service.config, domains: [] };
  service.update((s) => { s.domains = []; s.certificates = []; s.door.routes = []; s.dns.records = []; });
  const base = await serve(t, service);
  const again = await openPage(t, base, { colorScheme: 'dark' });
  await step(again.page, 'domain');
  assert.equal(await again.page.getByTestId('domain-name').inputValue(), '');

  await again.page.goto(`${base}/#/dashboard`);
  await again.page.getByTestId('setup-pending').waitFor();
  assert.equal(await again.page.getByTestId('health-card').getAttribute('data-state'), 'warning');
  assert.equal(await again.page.getByTestId('health-reason').textContent(), 'Setup not finished');
  assert.equal(await again.page.getByTestId('renew-now').isDisabled(), true, 'nothing to renew without a domain');
  assert.equal(await again.page.getByTestId('cert-card').count(), 0, 'no empty cards');
  await axe(again.page, 'dashboard, setup pending');
  await shot(again.page, 'dashboard-setup-pending');
  await again.page.getByTestId('setup-pending-continue').click();
  await step(again.page, 'domain');

  // Saving a domain ends the pending state; the dashboard draws its cards again.
  await again.page.getByTestId('domain-name').fill('plex.example.com');
  await again.page.getByTestId('domain-save').click();
  await again.page.getByTestId('domain-saved').waitFor();
  await again.page.goto(`${base}/#/dashboard`);
  await again.page.getByTestId('cert-card').waitFor();
  assert.equal(await again.page.getByTestId('setup-pending').count(), 0);
  assert.equal(await again.page.getByTestId('renew-now').isDisabled(), false);
  assert.deepEqual([...cspErrors, ...again.cspErrors], []);
});

test('dashboard: a renewal that stopped retrying says so, with the renewal window and where the Plex token came from', async (t) => {
  const service = await StandInService.finished();
  service.update((s) => {
    s.plex.tokenSource = 'local-store';
    s.certificates[0] = {
      ...s.certificates[0]!, renewalWindow: { start: '2027-01-20T00:00:00Z', end: '2027-01-22T00:00:00Z', source: 'ari' },
      lastError: { code: 'acme-caa', message: 'CAA record forbids this CA', fix: 'Allow the CA in your CAA record', at: '2026-11-29T00:00:00Z', retryable: false },
    };
  });
  const { page } = await openPage(t, await serve(t, service), { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  const cert = await page.getByTestId('dash-cert').textContent() ?? '';
  assert.match(cert, /Next try.*Portico stopped retrying/);
  assert.match(cert, /Renewal window.*suggested by the certificate authority/);
  assert.match(await page.getByTestId('health-action').textContent() ?? '', /Allow the CA in your CAA record\. Portico stopped retrying/);
  assert.equal(await page.getByTestId('plex-signed-in-state').textContent(), "yes (from Plex Media Server's own settings on this computer)");
  await axe(page, 'dashboard, renewal stopped');
});
