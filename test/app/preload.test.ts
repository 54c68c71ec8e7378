/**
 * The preload as built (esbuild, CommonJS) run in a fresh context with Electron's
 * contextBridge/ipcRenderer shapes: it must expose exactly the contract's channels and an `on`
 * that forwards payloads only and unsubscribes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { CHANNELS } from '../../main/shared/api.ts';

const root = new URL('../../', import.meta.url).pathname;

test('preload exposes window.portico with every channel and a working on()', async () => {
  const out = await build({ entryPoints: [`${root}main/preload/preload.ts`], bundle: true, platform: 'node', format: 'cjs', external: ['electron'], write: false, logLevel: 'silent' });
  const code = out.outputFiles[0]!.text;
  const exposed: Record<string, unknown> = {};
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: unknown) => { exposed[name] = api; } },
    ipcRenderer: {
      invoke: async (...a: unknown[]) => { invoked.push(a); return 'answer'; },
      on: (ch: string, fn: (...a: unknown[]) => void) => { (listeners.get(ch) ?? listeners.set(ch, new Set()).get(ch)!).add(fn); },
      removeListener: (ch: string, fn: (...a: unknown[]) => void) => { listeners.get(ch)?.delete(fn); },
    },
  };
  const module = { exports: {} };
  runInNewContext(code, { require: (m: string) => { assert.equal(m, 'electron', 'the preload requires nothing but electron'); return electron; }, module, exports: module.exports });

  const api = exposed.portico as Record<string, (...a: unknown[]) => unknown>;
  assert.deepEqual(Object.keys(api).sort(), [...CHANNELS, 'on'].sort());
  assert.equal(await api['plex:plan']!({ manualPort: true, customCertificate: false }), 'answer');
  assert.deepEqual(invoked, [['plex:plan', { manualPort: true, customCertificate: false }]]);

  const got: unknown[] = [];
  const off = api.on!('status:changed', (p: unknown) => got.push(p)) as () => void;
  for (const fn of listeners.get('status:changed') ?? []) fn({ sender: 'secret-ipc-object' }, { health: 'x' });
  assert.deepEqual(got, [{ health: 'x' }], 'only the payload reaches the page');
  off();
  assert.equal(listeners.get('status:changed')?.size, 0);
  assert.throws(() => api.on!('some:other', () => {}), /not a Portico event/);
});
