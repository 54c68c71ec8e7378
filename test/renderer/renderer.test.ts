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
import { HeadlessUi } from '../../main/core/ui/headless-ui.ts';
import { freePort } from '../helpers/free-port.ts';
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

/**
 * No box hides part of its content sideways: a table wider than its card scrolls inside it
 * (the page itself does not), which on a phone cuts the rows off. Names each box that does;
 * 1-px boxes are the visually hidden text for screen readers.
 */
async function nothingClippedSideways(page: Page, label: string): Promise<void> {
  const clipped = await page.evaluate(`[...document.querySelectorAll('body *')]
    .filter((el) => el.clientWidth > 1 && getComputedStyle(el).overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
    .map((el) => (el.querySelector('[data-testid]') ?? el).getAttribute('data-testid') ?? el.className + ': ' + el.scrollWidth + 'px in ' + el.clientWidth + 'px')`) as string[];
  assert.deepEqual(clipped, [], `${label}: content cut off sideways inside its box`);
}

/**
 * Chromium's hints about form fields ("[DOM] Password field is not contained in a form"), each
 * with the element it is about (`input#lan-password`): DevTools' log, read over CDP.
 */
async function domHints(page: Page): Promise<string[]> {
  const hints: string[] = [];
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Log.entryAdded', ({ entry }) => {
    if (entry.text.startsWith('[DOM]')) hints.push(`${entry.text} ${(entry.args ?? []).map((a) => a.description).join(' ')}`);
  });
  await cdp.send('Log.enable');
  return hints;
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

  // Domain: a bad name is refused in the form's words (the config key only under "Advanced"),
  // then a good one is saved and checked.
  await step(page, 'domain');
  await page.getByTestId('domain-name').fill('plex_example');
  await page.getByTestId('domain-save').click();
  await page.getByTestId('domain-problem').waitFor();
  const shown = await page.getByTestId('domain-problems').innerText();
  assert.match(shown, /Domain name: "plex_example" is not a domain name/);
  assert.doesNotMatch(shown, /domains\[|config|portico /i, 'no config key or command outside "Advanced"');
  assert.equal(await page.getByTestId('domain-name').getAttribute('aria-invalid'), 'true');
  // The form checks with the config's own rules before sending: a name Plex owns never reaches the service.
  await page.getByTestId('domain-name').fill('me.plex.direct');
  await page.getByTestId('domain-save').click();
  await page.getByTestId('domain-problems').getByText('Domain name: "me.plex.direct" belongs to Plex').waitFor();
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
    'HTTPS (your Plex address)443TCP192.168.1.208443Copy',
    'HTTP (certificate checks, redirects)80TCP192.168.1.208080Copy',
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
  await page.getByTestId('renew-if-due').click();
  await page.getByTestId('renew-not-due').waitFor();
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

test('without a valid session token the page says where to get the link: `portico ui-link` or the ui-token file', async (t) => {
  const base = await serve(t, new StandInService());
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/#token=wrong-token`);
  await page.getByTestId('unauthorized').waitFor();
  const text = await page.getByTestId('unauthorized').textContent() ?? '';
  assert.match(text, /portico ui-link prints it/);
  assert.match(text, /in the file ui-token in Portico’s data folder/);
  assert.doesNotMatch(text, /run portico serve again/, 'a restart keeps the link: restarting is not the fix');
  await axe(page, 'unauthorized');
  await context.close();
});

test('dashboard Advanced: "New link" asks first, moves this tab to the new link, and locks out the old one', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const server = servers.get(Number(new URL(base).port))!;
  service.rotateLink = async () => {
    const next = randomBytes(32).toString('base64url');
    server.useToken(next);
    return `${base}/#token=${next}`;
  };
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  await page.getByTestId('dashboard-advanced').locator('summary').click();
  await page.getByTestId('rotate-link').click();
  await page.getByTestId('rotate-confirm').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(service.calls.includes('ui:rotate-link'), false, 'cancel changes nothing');
  await page.getByTestId('rotate-link').click();
  await page.getByTestId('rotate-confirm').getByRole('button', { name: 'Make a new link' }).click();
  await page.getByTestId('rotate-done').waitFor();
  const link = await page.getByTestId('new-link').textContent() ?? '';
  assert.notEqual(new URL(link).hash, `#token=${token}`);
  await axe(page, 'dashboard advanced');
  // This tab carries on with the new token: a call after the rotation still works.
  await page.getByTestId('renew-if-due').click();
  await page.getByTestId('renew-not-due').waitFor();
  assert.equal(await page.getByTestId('unauthorized').count(), 0);
  // A tab with the old link is locked out.
  const other = await browser.newContext();
  t.after(() => other.close());
  const old = await other.newPage();
  await old.goto(`${base}/#token=${token}`);
  await old.getByTestId('unauthorized').waitFor();
});

test('dashboard Alerts: nothing set up says so; saved channels show by host only; a test alert reports each channel in plain words', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  await page.getByTestId('alerts-card').waitFor();
  assert.match(await page.getByTestId('alerts-now').textContent() ?? '', /No alerts are set up yet/);
  await page.getByTestId('alerts-test').click();
  await page.getByTestId('alerts-test-error').waitFor();
  assert.match(await page.getByTestId('alerts-test-error').textContent() ?? '', /nowhere to send a test alert/);
  await page.getByTestId('alert-webhook').fill('https://hooks.example.com/services/T0/B0/secret');
  await page.getByTestId('alert-ntfy-url').fill('https://ntfy.example.net/portico');
  await page.getByTestId('alerts-save').click();
  await page.getByTestId('alerts-saved').waitFor();
  const now = await page.getByTestId('alerts-now').textContent() ?? '';
  assert.match(now, /a webhook at hooks\.example\.com and the ntfy topic at ntfy\.example\.net/);
  assert.doesNotMatch(now, /secret/);
  assert.equal(await page.getByTestId('alert-webhook').inputValue(), '', 'the secret URL does not stay on screen');
  await page.getByTestId('alerts-test').click();
  await page.getByTestId('alerts-test-ntfy').waitFor();
  assert.match(await page.getByTestId('alerts-test-webhook').textContent() ?? '', /The webhook took the test alert/);
  const ntfy = await page.getByTestId('alerts-test-ntfy').textContent() ?? '';
  assert.match(ntfy, /refused the ntfy alert \(HTTP 401\)/);
  assert.match(ntfy, /Check the access token/);
  await axe(page, 'dashboard alerts');
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
  assert.equal(await again.page.getByTestId('renew-if-due').isDisabled(), true, 'nothing to renew without a domain');
  assert.equal(await again.page.getByTestId('renew-force').isDisabled(), true);
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
  assert.equal(await again.page.getByTestId('renew-if-due').isDisabled(), false);
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

test('dashboard: a new domain whose DNS does not point here yet says so with the fix, and turns valid when the push comes, without a reload', async (t) => {
  const service = await StandInService.finished();
  service.update((s) => {
    s.domains = ['tv.example.com'];
    s.certificates[0] = {
      domains: ['tv.example.com'], state: 'failed', nextAttemptAt: '2027-01-01T00:02:00Z',
      lastError: { code: 'dns-not-ready', message: 'tv.example.com points to 198.51.100.4, but this network\'s public address is 203.0.113.7. Portico has not asked for the certificate yet.', fix: 'At your DNS provider, point the A record of tv.example.com to 203.0.113.7.', at: '2027-01-01T00:00:00Z', retryable: true },
    };
  });
  const { page } = await openPage(t, await serve(t, service), { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  assert.equal(await page.getByTestId('dash-cert-state').textContent(), 'Waiting for your domain to point here');
  const cert = await page.getByTestId('dash-cert').innerText();
  assert.match(cert, /Why not yet\s+tv\.example\.com points to 198\.51\.100\.4.*point the A record of tv\.example\.com to 203\.0\.113\.7/s);
  await axe(page, 'dashboard, waiting for DNS');
  service.update((s) => {
    s.certificates[0] = { domains: ['tv.example.com'], state: 'valid', issuer: 'Pebble', notBefore: '2027-01-01T00:02:00Z', notAfter: '2027-03-01T00:00:00Z', obtainedAt: '2027-01-01T00:02:00Z' };
  });
  await page.getByTestId('dash-cert-state').getByText('Valid', { exact: true }).waitFor();
  assert.doesNotMatch(await page.getByTestId('dash-cert').innerText(), /Why not yet|Waiting/);
});

test('dashboard Checks card: every check behind the verdict with its result, time, source and evidence; stale, not run and not applicable never shown as passed', async (t) => {
  const service = await StandInService.finished();
  const { page } = await openPage(t, await serve(t, service), { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  const item = (id: string) => page.locator(`[data-testid="dash-checks"] [data-testid="check-${id}"]`);
  await item('outside').waitFor();
  assert.equal(await item('outside').getAttribute('data-state'), 'passed');
  assert.match(await item('outside').textContent() ?? '', /Reachable from the internet — Passed.*reached the door on port 443.*checked \d+ minutes? ago .* by the certificate authority, from the internet/);
  assert.match(await item('dns:plex.example.com').textContent() ?? '', /checked \d+ minutes? ago .* from this computer/);
  assert.match(await item('door').textContent() ?? '', /The door is listening — Passed.*live, from this computer/);
  assert.equal(await page.getByTestId('health-card').getAttribute('data-state'), 'ok');

  // The CA's answer is 30 hours old, plex.tv was never asked, and router handling is off.
  service.update((s) => {
    s.checks = (s.checks ?? []).filter((c) => c.area !== 'plex-published').map((c) => (c.area === 'outside' ? { ...c, at: new Date(Date.now() - 30 * 3600_000).toISOString() } : c));
    s.router = { ...s.router, mode: 'off', state: 'off', mappings: [] };
  });
  await page.locator('[data-testid="dash-checks"] [data-testid="check-outside"][data-state="stale"]').waitFor();
  assert.match(await item('outside').textContent() ?? '', /Not checked recently.*checked yesterday.*Fix: Run the checks again/);
  assert.equal(await item('plex-published-probe').getAttribute('data-state'), 'not-checked');
  assert.match(await item('plex-published-probe').textContent() ?? '', /Not checked yet/);
  assert.equal(await item('router').getAttribute('data-state'), 'not-applicable');
  assert.match(await item('router').textContent() ?? '', /Does not apply.*Router handling is off/);
  assert.equal(await page.locator('[data-testid="dash-checks"] [data-state="passed"]').filter({ hasText: /internet|plex\.tv|Router/ }).count(), 0, 'nothing stale, missing or off counts as passed');
  assert.notEqual(await page.getByTestId('health-card').getAttribute('data-state'), 'ok');
  assert.match(await page.getByTestId('health-reason').textContent() ?? '', /^Not checked (yet|since)/);
  await axe(page, 'dashboard, checks card');
  await shot(page, 'light-dashboard-checks');
});

test('Verify says where each result comes from, and claims remote access only when the CA reached the door from the internet', async (t) => {
  const service = await StandInService.finished();
  const { page } = await openPage(t, await serve(t, service), { colorScheme: 'light' });
  await page.goto(`${page.url().split('#')[0]}#/setup/verify`);
  await page.getByTestId('verify-summary').waitFor();
  assert.doesNotMatch(await page.getByTestId('step-verify').textContent() ?? '', /whole path from the internet/);
  // The stand-in's Verify has no outside check: nothing may say remote access works.
  const summary = await page.getByTestId('verify-summary').textContent() ?? '';
  assert.match(summary, /checks that ran passed, from this computer.*Whether Plex can be reached from the internet was not checked/);
  assert.doesNotMatch(summary, /Remote access .* works/);
  service.verifyExtra = [{ id: 'outside', area: 'outside', title: 'Reachable from the internet', ok: true, at: new Date().toISOString(), detail: 'The CA reached https://plex.example.com on port 443 from the internet.' }];
  await page.getByTestId('verify-run').click();
  await page.getByTestId('check-outside').waitFor();
  assert.match(await page.getByTestId('verify-summary').textContent() ?? '', /Remote access to Plex through your domain works: checked by the certificate authority from the internet at .*, the rest from this computer/);
  assert.match(await page.getByTestId('check-outside').textContent() ?? '', /by the certificate authority, from the internet/);
});

test('dashboard: "Renew if due" is the quiet default; a forced renewal and an undo of the Plex settings ask first, in our own dialog', async (t) => {
  const service = await StandInService.finished();
  const { page, cspErrors } = await openPage(t, await serve(t, service), { colorScheme: 'light' });
  await page.getByTestId('dashboard').waitFor();
  assert.equal(await page.locator('[data-testid="dashboard"] > .actions .btn-primary').count(), 0, 'no action is the primary button');
  assert.match(await page.getByTestId('renew-hint').textContent() ?? '', /5 certificates per week for the same set of names/);
  const notAfter = service.status.certificates[0]!.notAfter;

  // Not due: the service is asked without force and the certificate stays.
  await page.getByTestId('renew-if-due').click();
  await page.getByTestId('renew-not-due').waitFor();
  assert.deepEqual(service.calls.filter((c) => c.startsWith('cert:renew force')), ['cert:renew force=false']);
  assert.equal(service.status.certificates[0]!.notAfter, notAfter);

  // Forcing asks first (a real modal dialog, focus on the safe choice); Cancel and Escape change nothing.
  page.on('dialog', () => assert.fail('window.confirm/alert must not be used'));
  await page.getByTestId('renew-force').click();
  const dialog = page.getByRole('dialog', { name: 'Force a new certificate?' });
  await dialog.waitFor();
  assert.match(await dialog.textContent() ?? '', /5 certificates per week/);
  assert.equal(await page.evaluate('document.activeElement.dataset.testid'), 'force-confirm-cancel');
  await axe(page, 'force-renewal dialog');
  await shot(page, 'dashboard-force-dialog');
  await page.getByTestId('force-confirm-cancel').click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction('document.activeElement?.dataset.testid === "renew-force"', undefined, { timeout: 5000 }); // focus returns to the button
  await page.getByTestId('renew-force').click();
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(service.calls.filter((c) => c.startsWith('cert:renew force')), ['cert:renew force=false'], 'cancelled: no forced renewal');
  await page.getByTestId('renew-force').click();
  await page.getByTestId('force-confirm-confirm').click();
  await page.getByTestId('renew-done').waitFor();
  assert.deepEqual(service.calls.filter((c) => c.startsWith('cert:renew force')), ['cert:renew force=false', 'cert:renew force=true']);

  // Undo asks first; after it, a second undo says there is nothing to undo.
  await page.getByTestId('undo-plex').click();
  await page.getByRole('dialog', { name: 'Undo Portico’s changes to Plex?' }).waitFor();
  await page.getByTestId('undo-confirm-cancel').click();
  assert.equal(service.calls.includes('plex:undo'), false, 'cancelled: Plex untouched');
  assert.equal(service.status.plex.applied, true);
  await page.getByTestId('undo-plex').click();
  await page.getByTestId('undo-confirm-confirm').click();
  await page.getByTestId('undo-done').waitFor();
  await page.getByTestId('undo-plex').click();
  await page.getByTestId('undo-confirm-confirm').click();
  await page.getByTestId('undo-nothing').waitFor();
  const said = await page.getByTestId('action-result').textContent() ?? '';
  assert.match(said, /Nothing to undo/);
  assert.doesNotMatch(said, /back to what they were|Plex already has these settings/);
  assert.deepEqual(cspErrors, []);
});

test('dashboard: "Open Plex Web" and Copy buttons for the address, LAN and public IP, and the forwarding rows', async (t) => {
  const service = await StandInService.finished();
  service.update((s) => { s.router.publicAddress = '203.0.113.7'; });
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByTestId('dashboard').waitFor();
  const web = page.getByTestId('open-plex-web');
  assert.equal(await web.getAttribute('href'), 'https://plex.example.com/web');
  assert.equal(await web.getAttribute('target'), '_blank');
  const clipboard = () => page.evaluate('navigator.clipboard.readText()') as Promise<string>;
  const copied = (p: Page, testid: string) => p.locator(`[data-testid="${testid}"]:text-is("Copied")`).waitFor();
  for (const [id, value, name] of [['plex-url', 'https://plex.example.com', 'Copy the Plex address'], ['lan-ip', '192.168.1.20', 'Copy this computer’s network address'], ['public-ip', '203.0.113.7', 'Copy your public address']] as const) {
    await page.getByRole('button', { name }).click();
    await copied(page, `copy-${id}`);
    assert.equal(await clipboard(), value, id);
  }
  await page.goto(`${base}/#/setup/router`);
  await step(page, 'router');
  await page.getByTestId('router-manual-rows-copy-0').click();
  await copied(page, 'router-manual-rows-copy-0');
  assert.equal(await clipboard(), 'HTTPS (your Plex address): outside port 443 TCP → 192.168.1.20 port 8443');

  // Over plain http from another computer there is no navigator.clipboard: the fallback still copies.
  const lan = await openPage(t, base, { colorScheme: 'light' });
  await lan.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await lan.page.getByTestId('dashboard').waitFor();
  await lan.page.evaluate('navigator.clipboard.writeText("before"); Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined })');
  await lan.page.getByTestId('copy-lan-ip').click();
  await copied(lan.page, 'copy-lan-ip');
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), '192.168.1.20', 'the fallback reached the system clipboard');
});

test('layout: door traffic stays inside its card at 1280 px, the health reason is text, and the dashboard opens at its top', async (t) => {
  const service = await StandInService.finished();
  service.update((s) => {
    s.door.listeners = [{ kind: 'https', port: 8443, listening: true }, { kind: 'https', port: 32443, listening: true }, { kind: 'http', port: 8080, listening: false, error: 'EADDRINUSE: address already in use 0.0.0.0:8080' }];
    s.door.routes = [{ ...s.door.routes[0]!, requests: 123_456_789, bytesIn: 98_765_432_100, bytesOut: 1_234_567_890_123, openConnections: 1234 }];
    s.door.errors = { 'tls-handshake-failed': 12_345, 'upstream-timeout': 678 };
    s.door.passthrough = { ...s.door.passthrough, total: 9_876_543, openConnections: 12 };
  });
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light', width: 1280, height: 800 });
  await page.getByTestId('dashboard').waitFor();
  const overflow = await page.evaluate(`[...document.querySelectorAll('.card')].flatMap((card) => {
    const box = card.getBoundingClientRect();
    // Wide tables scroll inside their own wrapper (.table-wrap); everything else must fit.
    return [...card.querySelectorAll('*')].filter((e) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > box.right + 0.5)
      .map((e) => card.dataset.testid + ' ' + e.tagName + ': ' + e.textContent.slice(0, 40));
  })`) as string[];
  assert.deepEqual(overflow, [], 'nothing sticks out of its card');

  // The pill's reason is on screen as text in the wizard (the dashboard says it under its heading).
  await page.goto(`${base}/#/setup/plex`);
  await step(page, 'plex');
  service.update((s) => { s.plex.state = 'unreachable'; });
  await page.locator('[data-testid="health-pill"].pill-error').waitFor();
  const reason = page.getByTestId('health-pill-reason');
  assert.equal(await reason.isVisible(), true);
  assert.match(await reason.textContent() ?? '', /Plex/);
  assert.equal(await page.getByTestId('health-pill').getAttribute('title'), null, 'not only a tooltip');
  service.update((s) => { s.plex.state = 'configured'; });

  // Finishing from a long, scrolled Verify page lands at the top of the dashboard.
  const small = await openPage(t, base, { colorScheme: 'light', width: 1280, height: 500 });
  await small.page.goto(`${base}/#/setup/verify`);
  await small.page.getByTestId('verify-finish').scrollIntoViewIfNeeded();
  assert.ok(await small.page.evaluate('window.scrollY') as number > 0, 'the verify page is scrolled');
  await small.page.getByTestId('verify-finish').click();
  await small.page.getByTestId('dashboard').waitFor();
  assert.equal(await small.page.evaluate('window.scrollY'), 0, 'the dashboard opens at its top');
  assert.equal(await small.page.getByTestId('health-card').isVisible(), true);
});

test('door card: plex.direct clients reach Plex as local, and the WAN 32400 alternative; no note when nothing passes through', async (t) => {
  const service = await StandInService.finished();
  service.update((s) => { s.door.passthrough = { ...s.door.passthrough, names: '*.abc123.plex.direct' }; });
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  const note = page.getByTestId('door-card').getByTestId('door-passthrough-note');
  await note.waitFor();
  const text = await note.textContent() ?? '';
  assert.match(text, /\*\.abc123\.plex\.direct/, 'names what passes through');
  assert.match(text, /this machine's address.*local/, 'says what Plex makes of them');
  assert.match(text, /forward WAN port 32400 .*straight to Plex/, 'and the alternative');
  // plex.tlsPort set to a door port: nothing passes, so there is nothing to explain.
  service.update((s) => { s.door.passthrough = { ...s.door.passthrough, names: 'none (plex.tlsPort is a door port)' }; });
  await note.waitFor({ state: 'detached' });
  await axe(page, 'dashboard with the passthrough note');
});

test('domain step: a pasted address is cleaned and shown cleaned; DNS advice names dynamic DNS only where it is offered; a provider without its token is never "Saved"', async (t) => {
  const service = await StandInService.finished();
  service.dnsMissing = true;
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  await page.goto(`${base}/#/setup/domain`);
  await step(page, 'domain');
  await settle(page);
  for (const pasted of ['https://Plex.Example.com/', 'Plex.Example.com', 'http://plex.example.com:32400/web/index.html#!/', 'plex.example.com.']) {
    await page.getByTestId('domain-name').fill(pasted);
    await page.getByTestId('domain-save').click();
    await page.getByTestId('domain-saved').waitFor();
    assert.equal(await page.getByTestId('domain-name').inputValue(), 'plex.example.com', pasted);
    assert.deepEqual(service.config.domains, ['plex.example.com'], pasted);
    if (pasted !== pasted.trim().toLowerCase() || pasted.includes('/') || pasted.endsWith('.')) assert.match(await page.getByTestId('domain-cleaned').textContent() ?? '', /Cleaned up to plex\.example\.com/, pasted);
    await settle(page);
  }
  // "My own domain": the advice must not point at an option this form does not show.
  await page.getByTestId('dns-checks').waitFor();
  assert.doesNotMatch(await page.getByTestId('dns-checks').innerText(), /dynamic DNS below/);
  assert.match(await page.getByTestId('dns-checks').innerText(), /Create an A record for plex\.example\.com pointing to 203\.0\.113\.7/);

  // DuckDNS without a token: refused before anything is sent, in plain words.
  const updates = () => service.calls.filter((c) => c === 'config:update').length;
  const before = updates();
  await page.getByTestId('domain-kind-duckdns').check();
  await page.getByTestId('domain-name').fill('myplex.duckdns.org');
  await page.getByTestId('domain-save').click();
  await page.getByTestId('domain-problem').waitFor();
  assert.match(await page.getByTestId('domain-problems').innerText(), /Enter your DuckDNS token/);
  assert.equal(await page.getByTestId('duckdns-token').getAttribute('aria-invalid'), 'true');
  assert.equal(updates(), before, 'nothing was sent');
  assert.equal(await page.getByTestId('domain-saved').count(), 0);
  await page.getByTestId('domain-kind-cloudflare').check();
  await page.getByTestId('domain-save').click();
  await page.getByText('Enter your Cloudflare API token.').waitFor();
  assert.equal(updates(), before);

  // With the DuckDNS option shown, the same advice may point at it.
  await page.getByTestId('domain-kind-duckdns').check();
  await page.getByTestId('duckdns-token').fill('a-token');
  await page.getByTestId('domain-save').click();
  // the checks shown before this save are still on the page until the new ones arrive
  await page.getByTestId('dns-checks').filter({ hasText: /dynamic DNS below/ }).waitFor();
  assert.equal(service.config.dns.provider, 'duckdns');

  // A service that answers but kept no provider: the form says so instead of "Saved".
  service.dropsProvider = true;
  service.config = { ...service.config, dns: { provider: null, providerConfigured: false, ddns: false } };
  await page.getByTestId('duckdns-token').fill('another-token');
  await page.getByTestId('domain-save').click();
  await page.getByText('Portico did not save the DuckDNS settings.').waitFor();
  assert.equal(await page.getByTestId('domain-saved').count(), 0);
  await axe(page, 'domain refusals');
});

test('going back shows the current truth: the manual router choice stays chosen, and "Plex settings ✓" goes with an undo', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  await page.goto(`${base}/#/setup/router`);
  await step(page, 'router');
  assert.equal(await page.getByTestId('router-manual-saved').count(), 0, 'not chosen yet');
  await page.getByTestId('router-manual-done').click();
  await page.getByTestId('router-manual-saved').waitFor();
  await page.getByTestId('wizard-next').click();
  await step(page, 'certificate');
  await page.getByTestId('wizard-back').click();
  await step(page, 'router');
  await page.getByTestId('router-manual-saved').waitFor();

  // Undo from the dashboard, then back in setup: the step is no longer ticked, and a second undo
  // in the step says there is nothing to undo.
  await page.goto(`${base}/#/dashboard`);
  await page.getByTestId('dashboard').waitFor();
  await page.getByTestId('undo-plex').click();
  await page.getByTestId('undo-confirm-confirm').click();
  await page.getByTestId('undo-done').waitFor();
  await page.getByTestId('nav-wizard').click();
  await page.goto(`${base}/#/setup/plex-settings`);
  await step(page, 'plex-settings');
  assert.equal(await page.getByTestId('step-link-plex-settings').textContent(), '6Plex settings', 'no tick after the undo');
  assert.equal(service.wizard.completed.includes('plex-settings'), false);
  assert.equal(await page.getByTestId('wizard-next').isDisabled(), true);
  await page.getByTestId('plex-undo').click();
  await page.getByTestId('undo-confirm-confirm').click();
  await page.getByTestId('undo-nothing').waitFor();
  assert.doesNotMatch(await page.getByTestId('step-plex-settings').innerText(), /back to what they were/);

  // Applying again ticks it again, live.
  await page.getByTestId('plex-apply').click();
  await page.getByTestId('plex-applied').waitFor();
  assert.match(await page.getByTestId('step-link-plex-settings').textContent() ?? '', /✓/);
});

test('verify: with a red check the wizard can still be finished ("Finish with 1 warning"), and the warning stays on the dashboard', async (t) => {
  const service = await StandInService.finished();
  service.wizard = { ...service.wizard, finished: false, completed: service.wizard.completed.filter((s) => s !== 'verify') };
  // Plex no longer advertises the domain: one red check in Verify, and the same fact in the verdict.
  service.update((s) => { s.plex.applied = false; s.plex.state = 'signed-in'; });
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light' });
  await page.goto(`${base}/#/setup/verify`);
  await step(page, 'verify');
  await page.getByTestId('verify-checks').waitFor();
  assert.equal(await page.getByTestId('verify-finish').count(), 0, 'no plain "Finish" while a check is red');
  assert.equal(await page.getByTestId('verify-finish-warnings').textContent(), 'Finish with 1 warning');
  await axe(page, 'verify with a warning');
  await page.getByTestId('verify-finish-warnings').click();
  await page.getByTestId('dashboard').waitFor();
  assert.equal(service.wizard.finished, true);
  assert.equal(await page.getByTestId('health-card').getAttribute('data-state'), 'warning', 'the unresolved check is the dashboard\'s verdict');
  assert.equal(await page.getByTestId('plex-applied').textContent(), 'no');
});

test('dashboard settings: Plex address, second door, extra names, HSTS and the CA (ZeroSSL with EAB) are saved; a bad name is refused in plain words; the HMAC key is never shown back', async (t) => {
  const service = await StandInService.finished();
  service.config.door.httpsPorts = [8443];
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light', width: 1280, height: 800 });
  await page.getByTestId('settings-card').waitFor();
  await page.getByTestId('settings-plex-url').waitFor();
  assert.equal(await page.getByTestId('settings-second-door').isChecked(), false);

  // An extra name checked with the config's own rules before it joins the list.
  await page.getByTestId('settings-route-host').fill('overseerr.example.com');
  await page.getByTestId('settings-route-upstream').fill('ftp://127.0.0.1:5055');
  await page.getByTestId('settings-route-add').click();
  assert.match(await page.getByTestId('settings-route-problem').innerText(), /Goes to: .*http/);
  assert.equal(await page.getByTestId('settings-route-upstream').getAttribute('aria-invalid'), 'true');
  await page.getByTestId('settings-route-upstream').fill('http://127.0.0.1:5055');
  await page.getByTestId('settings-route-add').click();
  await page.getByTestId('settings-routes-table').getByText('overseerr.example.com').waitFor();
  await page.getByTestId('settings-route-host').fill('tautulli.example.com');
  await page.getByTestId('settings-route-upstream').fill('http://127.0.0.1:8181');
  await page.getByTestId('settings-route-add').click();
  await page.getByTestId('settings-route-remove-0').click();
  await page.getByTestId('settings-routes-table').getByText('tautulli.example.com').waitFor();
  assert.equal(await page.getByTestId('settings-routes-table').getByText('overseerr.example.com').count(), 0);

  await page.getByTestId('settings-plex-url').fill('http://192.168.1.30:32400/');
  await page.getByTestId('settings-second-door').check();
  await page.getByTestId('settings-advanced').locator('summary').click();
  await page.getByTestId('settings-hsts').check();
  await page.getByTestId('settings-ca').selectOption('zerossl');
  // ZeroSSL without its EAB credentials is refused before anything is sent.
  await page.getByTestId('settings-save').click();
  await page.getByTestId('settings-problem').waitFor();
  assert.equal(service.patches.length, 0);
  assert.doesNotMatch(await page.getByTestId('settings-result').locator('ul.problems').first().innerText(), /acme\.|eab\./, 'config keys only under Advanced');
  await page.getByTestId('settings-eab-kid').fill('kid-123');
  await page.getByTestId('settings-eab-hmac').fill('hmac-SECRET-value');
  await page.getByTestId('settings-save').click();
  await page.getByTestId('settings-saved').waitFor();
  assert.match(await page.getByTestId('settings-saved').innerText(), /restarts/, 'says that the door changes at a restart');
  assert.deepEqual(service.patches.at(-1), {
    plex: { url: 'http://192.168.1.30:32400' },
    door: { httpsPorts: [8443, 32443], hsts: true },
    router: { mapPlexPort: true },
    routes: [{ host: 'tautulli.example.com', upstream: 'http://127.0.0.1:8181' }],
    acme: { directoryUrl: 'https://acme.zerossl.com/v2/DV90', eab: { kid: 'kid-123', hmacKey: 'hmac-SECRET-value' } },
    publicIp: { lookup: true },
  });
  assert.equal(await page.getByTestId('settings-eab-hmac').inputValue(), '', 'the HMAC key leaves the page once saved');

  // After a reload everything shows as saved, and the secret is only "saved".
  await page.reload();
  await page.getByTestId('settings-plex-url').waitFor();
  assert.equal(await page.getByTestId('settings-plex-url').inputValue(), 'http://192.168.1.30:32400');
  assert.equal(await page.getByTestId('settings-second-door').isChecked(), true);
  assert.equal(await page.getByTestId('settings-ca').inputValue(), 'zerossl');
  assert.equal(await page.getByTestId('settings-eab-hmac').getAttribute('placeholder'), 'saved — leave empty to keep');
  assert.ok(!(await page.content()).includes('hmac-SECRET'), 'the secret is never in the page');
  await axe(page, 'dashboard settings');

  // A bad address: no "Saved", the reason in the form's words, checked with the config's own rule.
  await page.getByTestId('settings-plex-url').fill('not an address');
  await page.getByTestId('settings-save').click();
  await page.getByTestId('settings-problem').waitFor();
  assert.equal(await page.getByTestId('settings-saved').count(), 0);
  assert.match(await page.getByTestId('settings-result').innerText(), /Plex address: must be the address of Plex Media Server/);
  assert.equal(await page.getByTestId('settings-plex-url').getAttribute('aria-invalid'), 'true');
});

test('dashboard settings: how Portico finds the public address, in plain words; "Ask only the router" is saved, says what it leaves unchecked, and shows as saved after a reload', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const { page } = await openPage(t, base, { colorScheme: 'light', width: 1280, height: 800 });
  await page.getByTestId('settings-plex-url').waitFor();
  await page.getByTestId('settings-advanced').locator('summary').click();
  const choice = page.getByTestId('settings-public-ip');
  assert.match(await choice.innerText(), /How Portico finds your public address/);
  assert.equal(await page.getByTestId('settings-public-ip-auto').isChecked(), true);
  assert.match(await choice.innerText(), /stun\.l\.google\.com.*api\.ipify\.org.*compares it with your router/s, 'names the services it asks');
  assert.match(await choice.innerText(), /cannot check that your domain points here/, 'says what the router alone leaves unchecked');
  assert.doesNotMatch(await choice.innerText(), /publicIp|lookup/, 'no config keys');
  await page.getByTestId('settings-public-ip-router').check();
  await page.getByTestId('settings-save').click();
  await page.getByTestId('settings-saved').waitFor();
  assert.deepEqual(service.patches.at(-1)?.publicIp, { lookup: false });
  assert.equal(service.config.publicIp.lookup, false);
  await axe(page, 'settings, public address');

  await page.reload();
  await page.getByTestId('settings-plex-url').waitFor();
  assert.equal(await page.getByTestId('settings-public-ip-router').isChecked(), true);
  assert.equal(await page.getByTestId('settings-public-ip-auto').isChecked(), false);
});

/**
 * The pictures in docs/: each wizard step and the dashboard at a laptop's 1280×800 and a phone's
 * 390×844. Written to docs/screenshots/ when PORTICO_DOCS_SCREENSHOTS=1 (then commit them), else
 * to test-results/; either way a phone-width page must not scroll sideways.
 */
test('screenshots of every step and the dashboard at 1280×800 and 390×844; nothing scrolls sideways on a phone', async (t) => {
  const service = await StandInService.finished();
  service.update((s) => { s.router.publicAddress = '203.0.113.7'; s.router.lanAddress = '192.168.1.20'; });
  const base = await serve(t, service);
  const out = process.env.PORTICO_DOCS_SCREENSHOTS ? `${root}docs/screenshots` : `${shots}/docs`;
  await mkdir(out, { recursive: true });
  const steps = ['welcome', 'plex', 'domain', 'router', 'certificate', 'plex-settings', 'verify'];
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    const { page, cspErrors } = await openPage(t, base, { colorScheme: 'light', width, height });
    await page.getByTestId('dashboard').waitFor();
    await settle(page);
    await noHorizontalScroll(page, `dashboard at ${width}px`);
    await nothingClippedSideways(page, `dashboard at ${width}px`);
    await page.screenshot({ path: `${out}/dashboard-${width}x${height}.png`, fullPage: true });
    if (width === 1280) await page.screenshot({ path: `${out}/dashboard.png`, fullPage: true });
    await page.getByTestId('settings-plex-url').waitFor();
    await page.getByTestId('settings-advanced').locator('summary').click();
    await noHorizontalScroll(page, `settings at ${width}px`);
    await page.getByTestId('settings-card').screenshot({ path: `${out}/settings-${width}x${height}.png` });
    for (const s of steps) {
      await page.goto(`${base}/#/setup/${s}`);
      await step(page, s);
      if (s === 'verify') await page.getByTestId('verify-checks').waitFor();
      await settle(page);
      await noHorizontalScroll(page, `${s} at ${width}px`);
      await nothingClippedSideways(page, `${s} at ${width}px`);
      await page.screenshot({ path: `${out}/wizard-${s}-${width}x${height}.png`, fullPage: true });
      if (width === 1280 && (s === 'certificate' || s === 'router')) await page.screenshot({ path: `${out}/wizard-${s}.png`, fullPage: true });
    }
    assert.deepEqual(cspErrors, []);
  }
  const dark = await openPage(t, base, { colorScheme: 'dark', width: 1280, height: 800 });
  await dark.page.getByTestId('dashboard').waitFor();
  await settle(dark.page);
  await dark.page.screenshot({ path: `${out}/dashboard-dark.png`, fullPage: true });
});

test('router step in manual mode: the LAN IP, gateway and public IP as measured, each with Copy, and no false statement', async (t) => {
  const service = await StandInService.finished();
  service.config.lanAddress = null;
  service.config.router.mode = 'manual';
  service.update((s) => { s.router = { mode: 'manual', state: 'manual', mappings: [], findings: [], gateway: '192.168.1.1', lanAddress: '192.168.1.20', publicAddressError: 'public-address lookups are off (publicIp.lookup), and the router has not told its WAN address' }; });
  const base = await serve(t, service);
  const { page, cspErrors } = await openPage(t, base, { colorScheme: 'light' });
  await page.goto(`${base}/#/setup/router`);
  await step(page, 'router');
  assert.equal(await page.getByTestId('router-addresses-lan').textContent(), '192.168.1.20');
  assert.equal(await page.getByTestId('router-addresses-gateway').textContent(), '192.168.1.1');
  assert.match(await page.getByTestId('router-addresses-public').textContent() ?? '', /Not known: public-address lookups are off/);
  const rows = await page.getByTestId('router-manual-rows').locator('tbody tr').allTextContents();
  assert.ok(rows.length > 0 && rows.every((r) => r.includes('192.168.1.20')), 'the rows carry the routing table\'s LAN address');
  assert.doesNotMatch(await page.locator('body').textContent() ?? '', /this computer’s LAN address|no default gateway|opened only some ports/);

  // The public address arrives (a later look): shown with its Copy button, without a reload.
  service.update((s) => { s.router.publicAddress = '203.0.113.7'; delete s.router.publicAddressError; });
  await page.getByTestId('router-addresses-copy-public').waitFor();
  assert.equal(await page.getByTestId('router-addresses-public').textContent(), '203.0.113.7');
  await page.getByTestId('router-addresses-copy-gateway').click();
  await page.locator('[data-testid="router-addresses-copy-gateway"]:text-is("Copied")').waitFor();

  // "Map automatically" after choosing manual asks the router again (mode back to auto) instead of claiming a partial success.
  await page.getByTestId('router-map').click();
  await page.getByTestId('router-mapped').waitFor();
  assert.equal(service.config.router.mode, 'auto');
  assert.equal(await page.getByTestId('router-partial').count(), 0);
  await axe(page, 'router step, manual mode');
  assert.deepEqual(cspErrors, []);
});

test('on a phone (390 px) the forwarding rows fit their card, dashboard and router step alike; each Copy button is on screen and copies its rule', async (t) => {
  const service = await StandInService.finished();
  service.config.router.mode = 'manual';
  service.update((s) => {
    s.router = { mode: 'manual', state: 'manual', mappings: [], findings: [], lanAddress: '192.168.1.20', publicAddress: '203.0.113.7', manual: [
      { name: 'HTTPS (your Plex address)', externalPort: 443, internalClient: '192.168.1.20', internalPort: 8443, transport: 'TCP' },
      { name: 'HTTP (certificate checks, redirects)', externalPort: 80, internalClient: '192.168.1.20', internalPort: 8080, transport: 'TCP' },
    ] };
  });
  const base = await serve(t, service);
  const { page, cspErrors } = await openPage(t, base, { colorScheme: 'light', width: 390, height: 844 });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  for (const [where, testid] of [['dashboard', 'dash-forwarding'], ['router step', 'router-manual-rows']] as const) {
    if (where === 'router step') {
      await page.goto(`${base}/#/setup/router`);
      await step(page, 'router');
    }
    await page.getByTestId(testid).waitFor();
    await settle(page);
    await noHorizontalScroll(page, `${where} at 390px`);
    await nothingClippedSideways(page, `${where} at 390px`);
    for (const i of [0, 1]) {
      const copy = page.getByTestId(`${testid}-copy-${i}`);
      await copy.scrollIntoViewIfNeeded();
      const box = await copy.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${where}: Copy button ${i} is on screen (${JSON.stringify(box)})`);
    }
    await page.getByTestId(`${testid}-copy-1`).click();
    await page.locator(`[data-testid="${testid}-copy-1"]:text-is("Copied")`).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'HTTP (certificate checks, redirects): outside port 80 TCP → 192.168.1.20 port 8080');
    await axe(page, `${where} at 390px`);
  }
  assert.deepEqual(cspErrors, []);
});

test('dashboard "Dashboard on your network": off by default, refused without a password, the password never shown back, then the address with Copy', async (t) => {
  const service = await StandInService.finished();
  const base = await serve(t, service);
  const { page, cspErrors } = await openPage(t, base, { colorScheme: 'light' });
  const hints = await domHints(page);
  const card = page.getByTestId('lan-card');
  await card.getByTestId('lan-state').waitFor();
  assert.match(await card.getByTestId('lan-state').textContent() ?? '', /^Off\. Only this computer/);
  assert.match(await card.getByTestId('lan-plain-http').textContent() ?? '', /not encrypted \(plain http\).*trust.*VPN/);
  assert.match(await card.getByTestId('lan-password-state').textContent() ?? '', /No password is set yet/);

  await card.getByTestId('lan-toggle').click();
  await page.getByTestId('lan-confirm').getByRole('button', { name: 'Turn on' }).click();
  assert.match(await card.getByTestId('lan-update-error').textContent() ?? '', /cannot be opened to your network without a password.*Set a password first/);

  await card.getByTestId('lan-password').fill('short');
  await card.getByTestId('lan-password-again').fill('short');
  await card.getByTestId('lan-password-save').click();
  assert.match(await card.getByTestId('lan-password-problem').textContent() ?? '', /too short: use at least 8 characters/);
  await card.getByTestId('lan-password').fill('correct horse battery');
  await card.getByTestId('lan-password-again').fill('correct horse batterY');
  await card.getByTestId('lan-password-save').click();
  assert.match(await card.getByTestId('lan-password-problem').textContent() ?? '', /The two passwords differ/);
  assert.deepEqual(service.lanPasswords, [], 'nothing sent while the form is wrong');
  // Enter in the field saves, as in any form; the page stays (the submit is handled, never posted).
  const url = page.url();
  await card.getByTestId('lan-password-again').fill('correct horse battery');
  await card.getByTestId('lan-password-again').press('Enter');
  await card.getByTestId('lan-done').waitFor();
  assert.equal(page.url(), url);
  assert.deepEqual(service.lanPasswords, ['correct horse battery']);
  assert.equal(await card.getByTestId('lan-password').inputValue(), '', 'the typed password is cleared');
  assert.ok(!(await page.content()).includes('correct horse'), 'and shown nowhere');
  assert.match(await card.getByTestId('lan-password-state').textContent() ?? '', /A password is set \(since .*\)\. Saving a new one signs every device out/);

  await card.getByTestId('lan-toggle').click();
  await page.getByTestId('lan-confirm').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(service.lan.enabled, false, 'cancel changes nothing');
  await card.getByTestId('lan-toggle').click();
  await page.getByTestId('lan-confirm').getByRole('button', { name: 'Turn on' }).click();
  await card.getByTestId('lan-url-0').waitFor();
  assert.equal(await card.getByTestId('lan-url-0').textContent(), 'http://192.168.1.20:8766/');
  assert.equal(await card.getByTestId('copy-lan-url-0').getAttribute('aria-label'), 'Copy the address on your network');
  assert.equal(await card.getByTestId('lan-toggle').textContent(), 'Turn off');
  // Config words only under Advanced.
  const visible = await card.evaluate((el) => [...el.querySelectorAll(':scope > div > :not(details)')].map((n) => n.textContent).join(' '));
  assert.doesNotMatch(visible, /ui\.lan|portico ui-password|"enabled"/);
  await card.getByTestId('lan-advanced').locator('summary').click();
  assert.match(await card.getByTestId('lan-advanced').textContent() ?? '', /portico ui-password --config FILE/);
  await axe(page, 'dashboard on your network');
  assert.deepEqual(cspErrors, []);
  assert.deepEqual(hints.filter((m) => /#lan-/.test(m)), [], 'the password fields are one form, with its user name');
});

test('a phone on the network: signs in at 390×844 on the real LAN listener (127.0.0.2), uses the dashboard, signs out', async (t) => {
  const service = await StandInService.finished();
  const data = await mkdtemp(`${tmpdir()}/portico-lan-`);
  t.after(() => rm(data, { recursive: true, force: true }));
  const lanCfg = { enabled: false, port: await freePort('127.0.0.2'), bind: '127.0.0.2', names: [] as string[] };
  const ui = await HeadlessUi.start({
    dataDir: data, port: 0, staticDir: dir, logger: silentLogger, handlers: service.handlers(),
    service: { getStatus: () => service.status, onDidChangeStatus: service.onDidChangeStatus }, events: { onDidAdd: service.onDidAddEvent, add: (kind, level, message) => service.addEvent(kind, level, message) },
    lan: { config: () => lanCfg, setEnabled: async (on) => { lanCfg.enabled = on; return { ok: true, value: null }; } },
  });
  t.after(() => ui.stop());
  assert.equal((await ui.lan!.update({ password: 'correct horse battery' })).ok, true);
  const on = await ui.lan!.update({ enabled: true });
  assert.ok(on.ok);
  const url = on.value.urls[0]!;

  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  t.after(() => context.close());
  const page = await context.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) cspErrors.push(m.text()); });
  page.setDefaultTimeout(10_000);
  const hints = await domHints(page);
  await page.goto(url);
  assert.equal(new URL(page.url()).pathname, '/login', 'not signed in: the sign-in page');
  await page.getByTestId('login-form').waitFor();
  await noHorizontalScroll(page, 'sign-in page at 390px');
  await axe(page, 'sign-in page');
  const out = process.env.PORTICO_DOCS_SCREENSHOTS ? `${root}docs/screenshots` : shots;
  await page.screenshot({ path: `${out}/lan-sign-in-390x844.png`, fullPage: true });
  await page.getByTestId('login-password').fill('not the password');
  await page.getByTestId('login-submit').click();
  assert.match(await page.getByTestId('login-notice').textContent() ?? '', /That password is not right/);
  await page.getByTestId('login-password').fill('correct horse battery');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('dashboard').waitFor();
  await settle(page);
  assert.equal(await page.getByTestId('unauthorized').count(), 0);
  assert.match(await page.getByTestId('lan-card').getByTestId('lan-url-0').textContent() ?? '', /^http:\/\/127\.0\.0\.2:\d+\/$/);
  // Setting the password and turning it on are in the dashboard's event list (without the password).
  await page.getByTestId('events-list').getByText('The dashboard was opened to your network, behind its password').waitFor();
  assert.match(await page.getByTestId('events-list').textContent() ?? '', /The password of the dashboard on your network was changed/);
  assert.doesNotMatch(await page.content(), /correct horse/);
  await noHorizontalScroll(page, 'dashboard on the network at 390px');
  await page.screenshot({ path: `${shots}/lan-dashboard-390x844.png`, fullPage: true });
  await page.getByTestId('lan-card').screenshot({ path: `${out}/lan-card-390x844.png` });
  // The session cookie is not readable by the page's scripts.
  assert.equal(await page.evaluate('document.cookie'), '');
  await page.getByTestId('sign-out').click();
  await page.getByTestId('login-notice').waitFor();
  assert.match(await page.getByTestId('login-notice').textContent() ?? '', /You are signed out/);
  await page.goto(url);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(cspErrors, []);
  assert.deepEqual(hints.filter((m) => /#lan-|#password/.test(m)), [], 'the sign-in page and the LAN card raise no password-form hint');
});
