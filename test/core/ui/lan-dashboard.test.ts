/**
 * The dashboard on the local network, over real HTTP: the loopback listener on 127.0.0.1 as
 * always, the "LAN" one on 127.0.0.2 (Linux routes all of 127/8 to lo), so a second address of
 * this machine stands in for its address on the home network.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { HeadlessUi } from '../../../main/core/ui/headless-ui.ts';
import { createApiHandlers } from '../../../main/core/service/api-handlers.ts';
import { WizardStore } from '../../../main/core/state/wizard-store.ts';
import { ConfigStore } from '../../../main/core/state/config-store.ts';
import { EventLog } from '../../../main/core/state/event-log.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { createLogger, type LogRecord } from '../../../main/core/support/logger.ts';
import { SESSION_IDLE_MS } from '../../../main/core/ui/lan-gate.ts';
import { healthyStatus } from '../../shared/app-status-fixture.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { httpCall, type HttpReply } from '../../helpers/http-call.ts';
import { handlerDeps } from '../service/handler-deps.ts';

const LAN = '127.0.0.2';
const PASSWORD = 'correct horse battery';

async function world(t: TestContext, lan: Record<string, unknown> = {}) {
  const dir = await tmpDir(t);
  const port = await freePort(LAN);
  const path = join(dir, 'portico.json');
  await writeFile(path, JSON.stringify({ domains: ['plex.example.com'], ui: { lan: { port, bind: LAN, ...lan } } }));
  const store = await ConfigStore.open({ path, dataDir: dir, secrets: new MemorySecretStore() });
  assert.ok(store.ok);
  const events = new EventLog({ clock: new ManualClock() });
  const { deps } = await handlerDeps(t);
  const logs: LogRecord[] = [];
  const logger = createLogger({ level: 'debug', sink: (r) => logs.push(r) });
  const handlers = createApiHandlers({ ...deps, getStatus: () => healthyStatus(), configStore: store.value, wizardStore: new WizardStore(dir), events, logger });
  const clock = new ManualClock();
  const ui = await HeadlessUi.start({
    dataDir: dir, port: 0, staticDir: null, logger, handlers, events, clock,
    service: { getStatus: () => healthyStatus(), onDidChangeStatus: () => () => {} },
    lan: { config: () => store.value.get().ui.lan, setEnabled: (on) => store.value.setUiLanEnabled(on) },
  });
  t.after(() => ui.stop());
  const token = (await readFile(join(dir, 'ui-token'), 'utf8')).trim();
  /** A call through the loopback listener with the token, as the dashboard on this computer makes it. */
  const local = async (channel: string, ...args: unknown[]) => JSON.parse((await httpCall('127.0.0.1', ui.port, 'POST', `/api/${channel}`, {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ args }),
  })).body) as { ok: boolean; value?: Record<string, unknown>; error?: { code: string; message: string; fix?: string } };
  const origin = `http://${LAN}:${port}`;
  const signIn = (password: string, from?: string) => httpCall(LAN, port, 'POST', '/login', {
    from, headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password }).toString(),
  });
  return { dir, port, path, ui, token, local, signIn, origin, clock, logs, store: store.value, events };
}

const listening = (port: number) => httpCall(LAN, port, 'GET', '/login').then(() => true, (e: NodeJS.ErrnoException) => {
  assert.equal(e.code, 'ECONNREFUSED');
  return false;
});
const cookieOf = (r: HttpReply) => String((r.headers['set-cookie'] as string[] | undefined)?.[0] ?? '');

test('LAN access is off by default: nothing listens on the LAN address, and it cannot be turned on without a password', async (t) => {
  const w = await world(t);
  assert.equal(await listening(w.port), false);
  const got = await w.local('ui:lan-get');
  assert.deepEqual(got.value, { enabled: false, passwordSet: false, passwordSetAt: null, urls: [], problem: null });
  const refused = await w.local('ui:lan-update', { enabled: true });
  assert.equal(refused.error?.code, 'no-password');
  assert.match(refused.error?.fix ?? '', /Set a password first/);
  assert.equal(await listening(w.port), false);
  assert.equal(JSON.parse(await readFile(w.path, 'utf8')).ui.lan.enabled, undefined, 'nothing was saved');

  const short = await w.local('ui:lan-update', { password: 'short' });
  assert.equal(short.error?.code, 'password-too-weak');
  assert.match(short.error?.message ?? '', /at least 8 characters/);
});

test('turned on with a password: sign-in page, wrong passwords refused then limited, the right one gives a strict cookie that the API accepts', async (t) => {
  const w = await world(t);
  assert.equal((await w.local('ui:lan-update', { password: PASSWORD })).ok, true);
  const on = await w.local('ui:lan-update', { enabled: true });
  assert.deepEqual(on.value?.urls, [`http://${LAN}:${w.port}/`]);
  assert.equal(JSON.parse(await readFile(w.path, 'utf8')).ui.lan.enabled, true, 'saved in the config file');

  // The password file: a hash, 0600, never the password.
  const file = join(w.dir, 'ui-password');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const saved = await readFile(file, 'utf8');
  assert.ok(!saved.includes(PASSWORD));
  assert.deepEqual(Object.keys(JSON.parse(saved)).sort(), ['N', 'hash', 'p', 'r', 'salt', 'scheme', 'setAt']);

  // Not signed in: the page sends you to sign in, the API refuses, and the loopback token is no key here.
  const home = await httpCall(LAN, w.port, 'GET', '/');
  assert.equal(home.status, 303);
  assert.equal(home.headers.location, '/login');
  const page = await httpCall(LAN, w.port, 'GET', '/login');
  assert.equal(page.status, 200);
  assert.match(page.body, /<form method="post" action="\/login"/);
  assert.match(page.body, /not encrypted/);
  assert.match(String(page.headers['content-security-policy']), /form-action 'self'/);
  assert.equal((await httpCall(LAN, w.port, 'GET', '/api/status')).status, 401);
  const withToken = await httpCall(LAN, w.port, 'GET', '/api/status', { headers: { Authorization: `Bearer ${w.token}` } });
  assert.equal(withToken.status, 401);
  assert.equal(JSON.parse(withToken.body).error.code, 'login-required');

  // Five wrong passwords are answered as wrong; the sixth try must wait, and says how long.
  for (let i = 0; i < 5; i++) {
    const r = await w.signIn(`wrong password ${i}`);
    assert.equal(r.status, 401, `try ${i + 1}`);
    assert.match(r.body, /That password is not right/);
    assert.equal(r.headers['set-cookie'], undefined);
  }
  const limited = await w.signIn(PASSWORD);
  assert.equal(limited.status, 429, 'even the right password waits its turn');
  assert.match(limited.body, /Too many wrong passwords from this device\. Wait 30 seconds, then try again\./);
  assert.equal(limited.headers['retry-after'], '30');
  // Another device is not held up by this one.
  assert.equal((await w.signIn('still wrong', '127.0.0.3')).status, 401);
  await w.clock.advance(30_000);

  const ok = await w.signIn(PASSWORD);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.location, '/');
  const cookie = cookieOf(ok);
  assert.match(cookie, /^portico_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/);
  assert.doesNotMatch(cookie, /Secure/, 'plain http: a Secure cookie would never be sent back');
  const session = cookie.split(';')[0]!;

  const status = await httpCall(LAN, w.port, 'GET', '/api/status', { headers: { Cookie: session } });
  assert.equal(status.status, 200);
  assert.equal(JSON.parse(status.body).health.state, 'ok');
  const post = (headers: Record<string, string>) => httpCall(LAN, w.port, 'POST', '/api/config:get', { headers: { Cookie: session, 'Content-Type': 'application/json', ...headers }, body: '{"args":[]}' });
  assert.equal((await post({ Origin: w.origin })).status, 200);
  assert.equal((await post({})).status, 403, 'a POST without Origin is refused where a cookie is the key');
  const foreign = await post({ Origin: 'http://evil.example' });
  assert.equal(foreign.status, 403);
  assert.equal(JSON.parse(foreign.body).error.code, 'cross-origin');
  assert.equal((await httpCall(LAN, w.port, 'POST', '/api/config:get', { headers: { Cookie: session, Origin: `http://${LAN}:${w.port}`, 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' }, body: '{"args":[]}' })).status, 403);

  // DNS rebinding: another name for this address is refused, session or not; so is the loopback's Host.
  for (const host of [`evil.example:${w.port}`, `127.0.0.1:${w.port}`, `${LAN}:1`]) {
    const r = await httpCall(LAN, w.port, 'GET', '/api/status', { headers: { Host: host, Cookie: session } });
    assert.equal(r.status, 421, host);
    assert.match(JSON.parse(r.body).error.message, new RegExp(`only answers to http://${LAN.replace(/\./g, '\\.')}:${w.port}/`));
  }
  // The session belongs to the device that signed in.
  assert.equal((await httpCall(LAN, w.port, 'GET', '/api/status', { from: '127.0.0.3', headers: { Cookie: session } })).status, 401);

  // The token link on 127.0.0.1 works as before.
  assert.equal((await w.local('status:get')).ok, undefined);
  assert.equal(JSON.parse((await httpCall('127.0.0.1', w.ui.port, 'GET', '/api/status', { headers: { Authorization: `Bearer ${w.token}` } })).body).health.state, 'ok');

  // Signing out ends the session and clears the cookie.
  const out = await httpCall(LAN, w.port, 'POST', '/logout', { headers: { Cookie: session, Origin: w.origin } });
  assert.equal(out.status, 303);
  assert.match(cookieOf(out), /^portico_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/);
  assert.equal((await httpCall(LAN, w.port, 'GET', '/api/status', { headers: { Cookie: session } })).status, 401);
  assert.match((await httpCall(LAN, w.port, 'GET', '/login?signed-out')).body, /You are signed out/);
});

test('a session ends when unused for the idle time, and at a new password; turning it off closes the listener', async (t) => {
  const w = await world(t);
  await w.local('ui:lan-update', { password: PASSWORD });
  await w.local('ui:lan-update', { enabled: true });
  const session = () => w.signIn(PASSWORD).then((r) => cookieOf(r).split(';')[0]!);
  const api = (cookie: string) => httpCall(LAN, w.port, 'GET', '/api/status', { headers: { Cookie: cookie } }).then((r) => r.status);

  const a = await session();
  await w.clock.advance(SESSION_IDLE_MS - 60_000);
  assert.equal(await api(a), 200, 'used within the idle time');
  await w.clock.advance(SESSION_IDLE_MS - 60_000);
  assert.equal(await api(a), 200, 'each use keeps it alive');
  await w.clock.advance(SESSION_IDLE_MS);
  assert.equal(await api(a), 401, 'unused for the idle time: ended');

  const b = await session();
  assert.equal(await api(b), 200);
  assert.equal((await w.local('ui:lan-update', { password: 'a brand new password' })).ok, true);
  assert.equal(await api(b), 401, 'a new password signs every device out');
  assert.equal((await w.signIn(PASSWORD)).status, 401, 'the old password no longer works');
  assert.equal((await w.signIn('a brand new password')).status, 303);

  const off = await w.local('ui:lan-update', { enabled: false });
  assert.deepEqual(off.value?.urls, []);
  assert.equal(await listening(w.port), false);
  assert.equal(JSON.parse(await readFile(w.path, 'utf8')).ui.lan.enabled, false);
});

test('turning it on and off and each new password are in the dashboard\'s event list, in plain words; a refused change adds nothing', async (t) => {
  const w = await world(t);
  const seen = () => w.events.list().map((e) => `${e.kind} ${e.level}: ${e.message}`);
  await w.local('ui:lan-update', { enabled: true });
  await w.local('ui:lan-update', { password: 'short' });
  assert.deepEqual(seen(), [], 'refused changes change nothing, so nothing to record');

  await w.local('ui:lan-update', { password: PASSWORD });
  await w.local('ui:lan-update', { enabled: true });
  await w.local('ui:lan-update', { password: 'a brand new password' });
  await w.local('ui:lan-update', { enabled: false });
  assert.deepEqual(seen(), [
    'lan-password-changed info: The password of the dashboard on your network was changed; devices signed in before must sign in again.',
    `lan-access-turned-on info: The dashboard was opened to your network, behind its password: http://${LAN}:${w.port}/`,
    'lan-password-changed info: The password of the dashboard on your network was changed; devices signed in before must sign in again.',
    'lan-access-turned-off info: The dashboard on your network was turned off; only this computer can open it now.',
  ]);
  // The list the dashboard shows (and the diagnostics bundle) is this one, over the API.
  const listed = await w.local('events:list') as unknown as { kind: string }[];
  assert.deepEqual(listed.map((e) => e.kind), ['lan-password-changed', 'lan-access-turned-on', 'lan-password-changed', 'lan-access-turned-off']);

  // Turned on but nothing could listen (the port is taken): a warning that says so, not "opened".
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(w.port, LAN, resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  await w.local('ui:lan-update', { enabled: true });
  const last = w.events.list().at(-1)!;
  assert.equal(last.kind, 'lan-access-turned-on');
  assert.equal(last.level, 'warning');
  assert.match(last.message, new RegExp(`^The dashboard on your network was turned on but is not open: It could not listen everywhere: port ${w.port} is in use on ${LAN.replaceAll('.', '\\.')}`));
});

test('on in the file but no password: the service starts, the LAN stays closed, and the dashboard says why', async (t) => {
  const w = await world(t, { enabled: true });
  assert.equal(await listening(w.port), false);
  const v = (await w.local('ui:lan-get')).value!;
  assert.equal(v.enabled, true);
  assert.match(String(v.problem), /no password is set yet, so it stays closed/);
  assert.ok(w.logs.some((l) => l.level === 'warn' && /no password/.test(l.msg)));
  // Setting the first password opens it at once.
  const set = await w.local('ui:lan-update', { password: PASSWORD });
  assert.deepEqual(set.value?.urls, [`http://${LAN}:${w.port}/`]);
  assert.equal(set.value?.problem, null);
  assert.equal(await listening(w.port), true);
});

test('the password and its hash appear in no log, status, diagnostics bundle or API answer', async (t) => {
  const w = await world(t);
  await w.local('ui:lan-update', { password: PASSWORD });
  await w.local('ui:lan-update', { enabled: true });
  await w.signIn('wrong guess 1');
  await w.signIn(PASSWORD);
  const record = JSON.parse(await readFile(join(w.dir, 'ui-password'), 'utf8')) as { hash: string; salt: string };
  const bundle = (await w.local('diagnostics:export')).value as { content: string };
  const answers = [JSON.stringify(w.logs), bundle.content, JSON.stringify(await w.local('status:get')), JSON.stringify(await w.local('ui:lan-get')), JSON.stringify(await w.local('config:get')), JSON.stringify(await w.local('events:list')), await readFile(w.path, 'utf8')];
  for (const text of answers) {
    for (const secret of [PASSWORD, 'wrong guess 1', record.hash, record.salt]) assert.ok(!text.includes(secret), `${secret} leaked into ${text.slice(0, 80)}`);
  }
  assert.ok(w.logs.some((l) => /signed in/.test(l.msg)), 'sign-ins are logged (address only)');
});
