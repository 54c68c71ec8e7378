/**
 * The Electron security settings, asserted without Electron: window options, the CSP (header
 * and the renderer's meta tag), which frames may use IPC, and which links may leave the app.
 * main.ts must build its window from these values, which the last test checks in the source.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RENDERER_CSP as APP_CSP } from '../../main/shared/renderer-csp.ts';
import { isAllowedExternalUrl, isSameDocument, isTrustedSender, windowOptions } from '../../main/app/window-options.ts';

const root = new URL('../../', import.meta.url).pathname;
const INDEX = 'file:///opt/Portico/resources/app.asar/dist/renderer/index.html';

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
  const [name, ...values] = d.split(/\s+/);
  return [name!, values] as const;
}));

test('window: isolated, sandboxed, no Node, web security on, no webview', () => {
  const o = windowOptions('/x/preload.cjs');
  const w = o.webPreferences!;
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.webviewTag, false);
  assert.equal(w.experimentalFeatures, false);
  assert.equal(w.preload, '/x/preload.cjs');
  assert.match(w.disableBlinkFeatures ?? '', /Auxclick/);
});

test('CSP: nothing inline, no eval, nothing remote, no framing', () => {
  const d = directives(APP_CSP);
  assert.deepEqual(d.get('default-src'), ["'none'"]);
  for (const k of ['script-src', 'style-src', 'connect-src', 'img-src', 'font-src']) {
    const v = d.get(k) ?? [];
    assert.ok(v.length > 0, `${k} is set`);
    for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', "'wasm-unsafe-eval'"]) assert.ok(!v.includes(bad), `${k} has no ${bad}`);
  }
  assert.deepEqual(d.get('script-src'), ["'self'"]);
  assert.deepEqual(d.get('object-src'), ["'none'"]);
  assert.deepEqual(d.get('base-uri'), ["'none'"]);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
});

test('CSP: the renderer\'s meta tag carries the same policy (minus what a meta tag cannot hold)', () => {
  const html = readFileSync(`${root}renderer/index.html`, 'utf8');
  const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(meta, 'index.html has a CSP meta tag');
  const m = directives(meta), h = directives(APP_CSP);
  for (const [k, v] of m) assert.deepEqual(v, h.get(k), `${k} matches`);
  assert.deepEqual([...h.keys()].filter((k) => !m.has(k)).sort(), ['frame-ancestors'], 'only frame-ancestors (ignored in a meta tag) is header-only');
  assert.ok(!/<script(?![^>]*\bsrc=)/.test(html), 'no inline script');
  assert.ok(!/\sstyle=|<style/.test(html), 'no inline style');
});

test('IPC sender check: only our page, only the top frame', () => {
  assert.equal(isTrustedSender({ url: INDEX, isMainFrame: true }, INDEX), true);
  assert.equal(isTrustedSender({ url: `${INDEX}#/setup/router`, isMainFrame: true }, INDEX), true, 'the renderer routes by fragment');
  assert.equal(isTrustedSender({ url: INDEX, isMainFrame: false }, INDEX), false, 'a subframe is refused');
  assert.equal(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true }, INDEX), false, 'a navigated-away page is refused');
  assert.equal(isTrustedSender({ url: 'file:///tmp/index.html', isMainFrame: true }, INDEX), false, 'another local file is refused');
  assert.equal(isTrustedSender({ url: `${INDEX}?x=1`, isMainFrame: true }, INDEX), false);
  assert.equal(isTrustedSender(null, INDEX), false, 'a destroyed frame is refused');
  assert.equal(isSameDocument('not a url', INDEX), false);
});

test('external links: plex.tv sign-in and the user\'s own https domain only', () => {
  const mine = ['plex.example.com'];
  assert.equal(isAllowedExternalUrl('https://app.plex.tv/auth#?clientID=x&code=y', mine), true);
  assert.equal(isAllowedExternalUrl('https://plex.example.com/web/', mine), true);
  assert.equal(isAllowedExternalUrl('https://PLEX.example.com/', mine), true);
  assert.equal(isAllowedExternalUrl('http://app.plex.tv/auth', mine), false, 'plain http');
  assert.equal(isAllowedExternalUrl('https://app.plex.tv.evil.example/', mine), false);
  assert.equal(isAllowedExternalUrl('https://user:pw@app.plex.tv/', mine), false);
  assert.equal(isAllowedExternalUrl('file:///etc/passwd', mine), false);
  assert.equal(isAllowedExternalUrl('javascript:alert(1)', mine), false);
  assert.equal(isAllowedExternalUrl('https://other.example.com/', mine), false);
  assert.equal(isAllowedExternalUrl('smb://host/share', mine), false);
});

test('main.ts builds its only window from windowOptions() and guards navigation and IPC', () => {
  const src = readFileSync(`${root}main/app/main.ts`, 'utf8');
  assert.equal(src.match(/new BrowserWindow\(/g)?.length, 1);
  assert.match(src, /new BrowserWindow\(windowOptions\(/);
  for (const guard of ['setWindowOpenHandler', "'will-navigate'", "'will-redirect'", "'will-attach-webview'", 'setPermissionRequestHandler', 'requestSingleInstanceLock', 'isTrustedSender(', 'registerIpcHandlers(']) {
    assert.ok(src.includes(guard), `main.ts uses ${guard}`);
  }
  assert.ok(!/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false|webSecurity:\s*false/.test(src));
});
