/**
 * electron-builder.yml checked by electron-builder's own loader and schema validation (the same
 * code `electron-builder` runs before packaging), without downloading Electron or packaging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpDir } from '../helpers/tmp-dir.ts';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(`${root}package.json`);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the loaded YAML is untyped JSON; the assertions below are the types
const { getConfig } = require('app-builder-lib/out/util/config/load.js') as { getConfig: (req: object, path: string) => Promise<{ result: Record<string, any> }> };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration: (c: object, l: object) => Promise<void> };
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => object };

const load = async (dir: string, file: string) =>
  (await getConfig({ packageKey: 'build', configFilename: 'electron-builder', projectDir: dir, packageMetadata: null }, file)).result;

test('electron-builder.yml passes electron-builder\'s own validation and says what we decided', async () => {
  const c = await load(root, `${root}electron-builder.yml`);
  await validateConfiguration(c, new DebugLogger(false));
  assert.equal(c.productName, 'Portico');
  assert.match(c.appId, /^[a-z]+(\.[a-z]+)+$/);
  assert.deepEqual(c.files.filter((f: string) => !f.startsWith('!')), ['dist/**', 'package.json', 'resources/icon.png', 'resources/tray/**']);
  assert.deepEqual(c.win.target.map((t: { target: string }) => t.target), ['nsis']);
  assert.equal(c.nsis.perMachine, false, 'per-user install');
  assert.equal(c.nsis.allowElevation, false);
  assert.equal(c.nsis.createDesktopShortcut, true);
  assert.equal(c.nsis.createStartMenuShortcut, true);
  assert.equal(c.nsis.include, 'resources/windows/installer.nsh', 'the firewall rule for the door');
  const nsh = readFileSync(`${root}${c.nsis.include}`, 'utf8');
  assert.match(nsh, /!macro customInstall\n\s+\$\{ifNot\} \$\{isUpdated\}\n\s+ExecShellWait "runas" .*netsh advfirewall firewall add rule/, 'one elevation, on a fresh install only');
  assert.match(nsh, /!macro customUnInstall\n\s+\$\{ifNot\} \$\{isUpdated\}\n\s+ExecShellWait "runas" .*netsh.exe" 'advfirewall firewall delete rule/, 'uninstall removes it, an update keeps it');
  assert.equal(c.mac.category, 'public.app-category.utilities');
  assert.equal(c.dmg.contents, undefined, 'electron-builder\'s default DMG layout: the app beside an Applications link');
  assert.deepEqual(c.mac.target.map((t: { target: string }) => t.target), ['dmg', 'zip'], 'zip: what electron-updater installs on macOS');
  assert.equal(c.mac.hardenedRuntime, true);
  assert.equal(c.mac.notarize, false, 'notarization stays off without credentials');
  assert.deepEqual(c.linux.target, ['AppImage', 'deb']);
  assert.equal(c.electronFuses.runAsNode, false);
  for (const f of [c.win.icon, c.mac.icon, c.linux.icon, c.mac.entitlements]) assert.ok(existsSync(`${root}${f}`), `${f} exists`);
  assert.match(readFileSync(`${root}${c.mac.entitlements}`, 'utf8'), /com\.apple\.security\.cs\.allow-jit/);
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { main: string };
  assert.equal(c.extraMetadata.main, pkg.main);
});

test('the same validation rejects a misspelt option (so the test above can fail)', async (t) => {
  const dir = await tmpDir(t);
  const bad = readFileSync(`${root}electron-builder.yml`, 'utf8').replace('perMachine: false', 'perMachin: false');
  writeFileSync(`${dir}/electron-builder.yml`, bad);
  const c = await load(dir, `${dir}/electron-builder.yml`);
  await assert.rejects(validateConfiguration(c, new DebugLogger(false)), /does not match the API schema[\s\S]*nsis/);
});
