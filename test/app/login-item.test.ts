/**
 * Start at login. Electron cannot run here, so Windows' login-item rules are played by a
 * stand-in that keys the Run entry by path and arguments, as Windows does; Linux's XDG autostart
 * entry is written and removed for real under a temporary XDG_CONFIG_HOME.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoginItemSettings, LoginItemSettingsOptions, Settings } from 'electron';
import { AT_LOGIN_ARG, autostartEntry, autostartFile, loginItem, type ElectronLoginItems } from '../../main/app/login-item.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';

/** Windows: one Run value per (exe, args); asking with other args finds nothing. */
function windowsRunKey(): ElectronLoginItems & { entries: Map<string, boolean> } {
  const entries = new Map<string, boolean>();
  const key = (args: readonly string[] = []) => args.join(' ');
  return {
    entries,
    getLoginItemSettings: (o?: LoginItemSettingsOptions) => ({ openAtLogin: entries.get(key(o?.args)) ?? false }) as LoginItemSettings,
    setLoginItemSettings: (s: Settings) => { entries.set(key(s.args), s.openAtLogin ?? false); },
  };
}

test('Windows: turning start-at-login on shows as on, and it can be turned off again', () => {
  const run = windowsRunKey();
  const item = loginItem('win32', run, {}, 'C:\\Users\\a\\AppData\\Local\\Programs\\Portico\\Portico.exe');
  assert.equal(item.isEnabled(), false);
  item.setEnabled(true);
  assert.deepEqual([...run.entries], [[AT_LOGIN_ARG, true]], 'the login start carries --hidden');
  assert.equal(item.isEnabled(), true, 'read back with the same args');
  item.setEnabled(false);
  assert.equal(item.isEnabled(), false);
  // The old code read without args: the same stand-in shows why that never saw the item.
  run.setLoginItemSettings({ openAtLogin: true, args: [AT_LOGIN_ARG] });
  assert.equal(run.getLoginItemSettings().openAtLogin, false);
});

// The XDG entry is Linux's; its tests use POSIX paths, so they run everywhere but Windows.
const skip = process.platform === 'win32' && 'XDG autostart paths are POSIX';

test('Linux: the XDG autostart entry is written, read and removed under XDG_CONFIG_HOME', { skip }, async (t) => {
  const dir = await tmpDir(t);
  const env = { XDG_CONFIG_HOME: dir, HOME: '/nonexistent' };
  const item = loginItem('linux', windowsRunKey(), env, '/opt/Portico/portico');
  const file = join(dir, 'autostart', 'portico.desktop');
  assert.equal(autostartFile(env), file);
  assert.equal(item.isEnabled(), false);
  item.setEnabled(true);
  assert.equal(item.isEnabled(), true);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\[Desktop Entry\]\nType=Application\n/);
  assert.match(text, /^Exec=\/opt\/Portico\/portico --hidden$/m);
  // A desktop's settings panel switches it off with Hidden=true.
  writeFileSync(file, `${text}Hidden=true\n`);
  assert.equal(item.isEnabled(), false);
  item.setEnabled(true);
  assert.equal(item.isEnabled(), true);
  item.setEnabled(false);
  assert.equal(existsSync(file), false);
  item.setEnabled(false);
  assert.equal(item.isEnabled(), false, 'turning off twice is fine');
});

test('Linux: an AppImage starts the .AppImage file, quoted when its path has spaces; no XDG_CONFIG_HOME means ~/.config', { skip }, () => {
  const entry = autostartEntry({ APPIMAGE: '/home/a/My Apps/Portico-1.0.AppImage' }, '/tmp/.mount_Porti/portico');
  assert.match(entry, /^Exec="\/home\/a\/My Apps\/Portico-1\.0\.AppImage" --hidden$/m);
  assert.match(autostartEntry({}, '/opt/a$b/portico'), /^Exec="\/opt\/a\\\$b\/portico" --hidden$/m);
  assert.equal(autostartFile({ HOME: '/home/a' }), '/home/a/.config/autostart/portico.desktop');
  assert.equal(autostartFile({ HOME: '/home/a', XDG_CONFIG_HOME: 'relative' }), '/home/a/.config/autostart/portico.desktop', 'a relative XDG path is ignored, as the spec says');
});
