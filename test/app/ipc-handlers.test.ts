/**
 * The generic IPC registration: one handler per contract channel, the sender check before any
 * call, and exceptions turned into values. Electron cannot run here, so ipcMain is a map with
 * ipcMain's handle/removeHandler shape; the handlers behind it are the contract's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpcMainInvokeEvent } from 'electron';
import { CHANNELS, type PorticoApiHandlers } from '../../main/shared/api.ts';
import { registerIpcHandlers, UntrustedSenderError } from '../../main/app/ipc-handlers.ts';
import { isTrustedSender } from '../../main/app/window-options.ts';

type Listener = (e: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
const INDEX = 'file:///app/dist/renderer/index.html';

function setup(overrides: Partial<PorticoApiHandlers> = {}) {
  const registered = new Map<string, Listener>();
  const ipc = {
    handle: (c: string, fn: Listener) => { assert.ok(!registered.has(c), `${c} registered once`); registered.set(c, fn); },
    removeHandler: (c: string) => { registered.delete(c); },
  };
  const calls: [string, unknown[]][] = [];
  const handlers = Object.fromEntries(CHANNELS.map((c) => [c, (...args: unknown[]) => { calls.push([c, args]); return { ok: true, value: c }; }])) as unknown as PorticoApiHandlers;
  Object.assign(handlers, overrides);
  const logs: string[] = [];
  const log = { warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`) };
  const unregister = registerIpcHandlers(ipc as never, handlers, (e) => isTrustedSender(e.senderFrame ? { url: e.senderFrame.url, isMainFrame: true } : null, INDEX), log);
  const event = (url: string) => ({ senderFrame: { url } }) as unknown as IpcMainInvokeEvent;
  return { registered, calls, logs, unregister, event };
}

test('ipc: every channel of the contract gets a handler, and unregister removes them all', () => {
  const { registered, unregister } = setup();
  assert.deepEqual([...registered.keys()].sort(), [...CHANNELS].sort());
  unregister();
  assert.equal(registered.size, 0);
});

test('ipc: our window\'s calls reach the service with their arguments', async () => {
  const { registered, calls, event } = setup();
  const r = await registered.get('cert:issue')!(event(`${INDEX}#/setup/certificate`), { staging: true });
  assert.deepEqual(r, { ok: true, value: 'cert:issue' });
  assert.deepEqual(calls, [['cert:issue', [{ staging: true }]]]);
});

test('ipc: a foreign frame is refused before the service is touched', async () => {
  const { registered, calls, logs, event } = setup();
  await assert.rejects(async () => registered.get('plex:apply')!(event('https://evil.example/'), { manualPort: true, customCertificate: false }), UntrustedSenderError);
  assert.deepEqual(calls, []);
  assert.match(logs[0] ?? '', /refused IPC/);
});

test('ipc: a throwing handler comes back as an internal-error value that says what to do', async () => {
  const { registered, logs, event } = setup({ 'verify:run': () => { throw new Error('boom'); } });
  const r = await registered.get('verify:run')!(event(INDEX)) as { ok: boolean; error: { code: string; message: string; fix: string } };
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'internal-error');
  assert.match(r.error.message, /verify:run \(boom\)/);
  assert.ok(r.error.fix.length > 0);
  assert.match(logs[0] ?? '', /handler failed/);
});
