import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UiServer } from '../../../main/core/ui/ui-server.ts';
import { addressScope } from '../../../main/shared/ip-address.ts';
import { RENDERER_CSP as UI_CSP } from '../../../main/shared/renderer-csp.ts';
import { UiToken } from '../../../main/core/ui/ui-token.ts';
import { CHANNELS, type PorticoApiHandlers } from '../../../main/shared/api.ts';
import type { AppStatus } from '../../../main/shared/status.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { EventLog } from '../../../main/core/state/event-log.ts';
import { systemClock } from '../../../main/core/support/clock.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { httpCall, type HttpReply } from '../../helpers/http-call.ts';

function status(reason: string): AppStatus {
  return {
    version: '0.0.0', demo: false, domains: ['plex.example.com'],
    door: { state: 'running', listeners: [], routes: [], passthrough: { openConnections: 0, total: 0, bytesIn: 0, bytesOut: 0 }, errors: {} },
    certificates: [], plex: { state: 'found', url: 'http://127.0.0.1:32400', signedIn: false, applied: false },
    router: { mode: 'off', state: 'off', mappings: [], findings: [] }, dns: { records: [] }, checks: [],
    health: { state: 'ok', reason },
  };
}

function call(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<HttpReply> {
  return httpCall('127.0.0.1', port, method, path, opts);
}

async function setup(t: TestContext) {
  const dir = await tmpDir(t);
  const staticDir = join(dir, 'renderer');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Portico</title>');
  await writeFile(join(staticDir, 'app.js'), 'console.log(1)');
  await writeFile(join(staticDir, 'styles.css'), 'body{}');
  await writeFile(join(staticDir, '.hidden'), 'secret');
  await writeFile(join(dir, 'outside.txt'), 'outside');
  const calls: { channel: string; args: unknown[] }[] = [];
  const handlers = Object.fromEntries(CHANNELS.map((c) => [c, (...args: unknown[]) => {
    calls.push({ channel: c, args });
    if (c === 'diagnostics:export') throw new Error('disk on fire');
    return { ok: true, value: { channel: c, args } };
  }])) as unknown as PorticoApiHandlers;
  let current = status('all good');
  const listeners = new Set<(s: AppStatus) => void>();
  const events = new EventLog({ clock: systemClock });
  const token = await UiToken.create(dir);
  const ui = new UiServer({
    port: 0, staticDir, handlers, token, tokenFile: join(dir, 'ui-token'), logger: silentLogger,
    getStatus: () => current,
    onDidChangeStatus: (fn) => { listeners.add(fn); return () => listeners.delete(fn); },
    onDidAddEvent: (fn) => events.onDidAdd(fn),
  });
  await ui.start();
  t.after(() => ui.stop());
  const change = (reason: string) => { current = status(reason); for (const l of listeners) l(current); };
  return { dir, ui, token, calls, change, events, auth: { Authorization: `Bearer ${token}` } };
}

test('serves the renderer with a strict CSP and the right content types, and nothing outside it', async (t) => {
  const { ui } = await setup(t);
  const index = await call(ui.port, 'GET', '/');
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.equal(index.headers['content-security-policy'], UI_CSP);
  assert.match(UI_CSP, /default-src 'none'/);
  assert.match(UI_CSP, /script-src 'self'(;|$)/);
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.equal(index.headers['access-control-allow-origin'], undefined);
  assert.match(String((await call(ui.port, 'GET', '/app.js')).headers['content-type']), /^text\/javascript/);
  assert.match(String((await call(ui.port, 'GET', '/styles.css')).headers['content-type']), /^text\/css/);
  for (const p of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/.hidden', '/assets', '/nope.js', '/%00']) {
    const r = await call(ui.port, 'GET', p);
    assert.ok(r.status === 404 || r.status === 400, `${p} gave ${r.status}`);
    assert.doesNotMatch(r.body, /outside|secret/);
  }
  assert.equal((await call(ui.port, 'POST', '/index.html')).status, 405);
});

test('every /api call needs the session token; the refusal says where to get it', async (t) => {
  const { ui, token, calls, auth } = await setup(t);
  for (const headers of [{} as Record<string, string>, { Authorization: 'Bearer wrong' }, { Authorization: `Basic ${token}` }, { Authorization: `Bearer ${token}x` }]) {
    const r = await call(ui.port, 'GET', '/api/status', { headers });
    assert.equal(r.status, 401);
    // Where the link is, not "restart the service": a restart keeps the same token.
    assert.match(JSON.parse(r.body).error.message, /`portico ui-link`.*\/ui-token\)/);
    assert.doesNotMatch(JSON.parse(r.body).error.message, /changes every time/);
  }
  const post = await call(ui.port, 'POST', '/api/config:get', { headers: { 'Content-Type': 'application/json' }, body: '{"args":[]}' });
  assert.equal(post.status, 401);
  assert.equal(calls.length, 0);
  const ok = await call(ui.port, 'GET', '/api/status', { headers: auth });
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).health.reason, 'all good');
  assert.equal(ok.headers['cache-control'], 'no-store');
});

test('POST /api/<channel> passes the args to the handler and returns its value', async (t) => {
  const { ui, calls, auth } = await setup(t);
  const h = { ...auth, 'Content-Type': 'application/json' };
  const r = await call(ui.port, 'POST', '/api/plex:apply', { headers: h, body: JSON.stringify({ args: [{ manualPort: true, customCertificate: false }] }) });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { ok: true, value: { channel: 'plex:apply', args: [{ manualPort: true, customCertificate: false }] } });
  assert.deepEqual(calls, [{ channel: 'plex:apply', args: [{ manualPort: true, customCertificate: false }] }]);

  assert.equal((await call(ui.port, 'POST', '/api/process:exit', { headers: h, body: '{"args":[]}' })).status, 404);
  assert.equal((await call(ui.port, 'POST', '/api/constructor', { headers: h, body: '{"args":[]}' })).status, 404);
  assert.equal((await call(ui.port, 'GET', '/api/config:get', { headers: auth })).status, 405);
  assert.equal((await call(ui.port, 'POST', '/api/config:get', { headers: { ...auth, 'Content-Type': 'text/plain' }, body: '{"args":[]}' })).status, 415);
  assert.equal((await call(ui.port, 'POST', '/api/config:get', { headers: h, body: '{"args":' })).status, 400);
  assert.equal((await call(ui.port, 'POST', '/api/config:get', { headers: h, body: '{"args":{"a":1}}' })).status, 400);
  assert.equal((await call(ui.port, 'POST', '/api/config:get', { headers: h, body: 'x'.repeat(1024 * 1024 + 10) })).status, 413);
  for (const bad of ['/api/%E0%A4%A', '/api/config%3', '/api/%ff']) {
    const r = await call(ui.port, 'POST', bad, { headers: h, body: '{"args":[]}' });
    assert.equal(r.status, 400, `${bad} gave ${r.status}`);
    const e = JSON.parse(r.body).error as { code: string; message: string };
    assert.equal(e.code, 'bad-url-encoding');
    assert.match(e.message, /malformed percent-encoding/);
  }
  const boom = await call(ui.port, 'POST', '/api/diagnostics:export', { headers: h, body: '{"args":[]}' });
  assert.equal(boom.status, 500);
  assert.match(JSON.parse(boom.body).error.message, /diagnostics:export failed unexpectedly \(disk on fire\)/);
  assert.equal(calls.length, 2);
});

test('foreign Host headers (DNS rebinding) and cross-origin requests are refused, token or not', async (t) => {
  const { ui, calls, auth } = await setup(t);
  const h = { ...auth, 'Content-Type': 'application/json' };
  const rebinding = await call(ui.port, 'POST', '/api/config:get', { headers: { ...h, Host: `evil.example:${ui.port}` }, body: '{"args":[]}' });
  assert.equal(rebinding.status, 421);
  assert.equal((await call(ui.port, 'GET', '/', { headers: { Host: `127.0.0.1:${ui.port + 1}` } })).status, 421);
  assert.equal((await call(ui.port, 'GET', '/', { headers: { Host: `localhost:${ui.port}` } })).status, 200);
  const cross = await call(ui.port, 'POST', '/api/config:get', { headers: { ...h, Origin: 'http://evil.example' }, body: '{"args":[]}' });
  assert.equal(cross.status, 403);
  assert.equal(cross.headers['access-control-allow-origin'], undefined);
  assert.equal((await call(ui.port, 'POST', '/api/config:get', { headers: { ...h, Origin: `http://127.0.0.1:${ui.port + 1}` }, body: '{"args":[]}' })).status, 403);
  assert.equal((await call(ui.port, 'GET', '/api/status', { headers: { ...auth, 'Sec-Fetch-Site': 'cross-site' } })).status, 403);
  const same = await call(ui.port, 'POST', '/api/config:get', { headers: { ...h, Origin: `http://127.0.0.1:${ui.port}` }, body: '{"args":[]}' });
  assert.equal(same.status, 200);
  assert.equal(calls.length, 1);
  const pre = await call(ui.port, 'OPTIONS', '/api/config:get', { headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
});

test('only loopback peers count as local', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(addressScope(a), 'loopback', a);
  for (const a of ['192.168.1.5', '10.0.0.1', '::ffff:192.168.1.5', 'fe80::1', '128.0.0.1', '']) assert.notEqual(addressScope(a), 'loopback', a);
});

test('GET /api/events streams the current status, later changes and new events', async (t) => {
  const { ui, token, change, events } = await setup(t);
  const ac = new AbortController();
  t.after(() => ac.abort());
  const unauth = await fetch(`http://127.0.0.1:${ui.port}/api/events`);
  assert.equal(unauth.status, 401);
  const res = await fetch(`http://127.0.0.1:${ui.port}/api/events`, { headers: { Authorization: `Bearer ${token}` }, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const next = async (): Promise<{ event: string; data: unknown }> => {
    for (;;) {
      const i = buf.indexOf('\n\n');
      if (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (ev && data) return { event: ev, data: JSON.parse(data) };
        continue; // retry / heartbeat comments
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buf += value;
    }
  };
  const first = await next();
  assert.equal(first.event, 'status:changed');
  assert.equal((first.data as AppStatus).health.reason, 'all good');
  change('renewing'); change('renewed');
  const second = await next();
  assert.equal(second.event, 'status:changed');
  assert.equal((second.data as AppStatus).health.reason, 'renewed', 'bursts are coalesced to the latest status');
  events.add('cert-renewed', 'info', 'Certificate renewed');
  const third = await next();
  assert.equal(third.event, 'event:added');
  assert.equal((third.data as { kind: string }).kind, 'cert-renewed');
});

test('the token file is readable only by the owner, kept across loads, and replaced only when missing or malformed', async (t) => {
  const dir = await tmpDir(t);
  const first = await UiToken.load(dir);
  assert.equal(first.created, true);
  const a = first.token;
  assert.equal((await stat(join(dir, 'ui-token'))).mode & 0o777, 0o600);
  assert.equal(await UiToken.read(dir), a);
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(await UiToken.load(dir), { token: a, created: false }, 'a restart keeps the link');
  for (const damaged of ['', 'short', `${a}x`, `${a.slice(0, 42)}!`]) {
    await writeFile(join(dir, 'ui-token'), damaged);
    const again = await UiToken.load(dir);
    assert.equal(again.created, true, `${JSON.stringify(damaged)} is replaced`);
    assert.match(again.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await stat(join(dir, 'ui-token'))).mode & 0o777, 0o600);
  }
  const b = await UiToken.create(dir);
  assert.notEqual(a, b);
  assert.equal(UiToken.matches(b, a), false);
  assert.equal(UiToken.matches(b, b), true);
  assert.equal(await UiToken.read(join(dir, 'missing')), undefined);
});
