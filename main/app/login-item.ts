/**
 * "Start at login". Windows and macOS use Electron's login items; Linux has none in Electron, so
 * we write an XDG autostart entry (~/.config/autostart/portico.desktop) ourselves.
 *
 * Windows keys the Run entry by path *and* arguments: getLoginItemSettings() must be asked with
 * the same args we set, or it reports off forever (the bug this module fixes).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LoginItemSettings, LoginItemSettingsOptions, Settings } from 'electron';

/** The argument a login start carries, so the app stays in the tray (main.ts reads it). */
export const AT_LOGIN_ARG = '--hidden';

export interface LoginItem {
  isEnabled(): boolean;
  setEnabled(on: boolean): void;
}

/** The slice of Electron's `app` this needs (so tests can pass a stand-in with Windows' rules). */
export interface ElectronLoginItems {
  getLoginItemSettings(options?: LoginItemSettingsOptions): LoginItemSettings;
  setLoginItemSettings(settings: Settings): void;
}

export function loginItem(platform: NodeJS.Platform, electron: ElectronLoginItems, env: NodeJS.ProcessEnv, execPath: string): LoginItem {
  if (platform === 'linux') return xdgAutostart(env, execPath);
  // macOS ignores args (it tells a login start by wasOpenedAtLogin); Windows needs them both ways.
  const args = platform === 'win32' ? [AT_LOGIN_ARG] : [];
  return {
    isEnabled: () => electron.getLoginItemSettings({ args }).openAtLogin,
    setEnabled: (on) => electron.setLoginItemSettings({ openAtLogin: on, args }),
  };
}

/** Where the autostart entry lives (XDG Base Directory: $XDG_CONFIG_HOME, else ~/.config). */
export function autostartFile(env: NodeJS.ProcessEnv): string {
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(config, 'autostart', 'portico.desktop');
}

/** A desktop-entry Exec argument, quoted as the spec requires when it holds reserved characters. */
function execArg(s: string): string {
  if (!/[\s"'\\><~|&;$*?#()`%]/.test(s)) return s;
  return `"${s.replace(/(["`$\\])/g, '\\$1').replace(/%/g, '%%')}"`;
}

/** The entry's text. An AppImage runs from a temporary mount, so start the .AppImage file itself. */
export function autostartEntry(env: NodeJS.ProcessEnv, execPath: string): string {
  const exe = env.APPIMAGE || execPath;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Portico',
    'Comment=Your own HTTPS address for Plex Media Server',
    `Exec=${execArg(exe)} ${AT_LOGIN_ARG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

function xdgAutostart(env: NodeJS.ProcessEnv, execPath: string): LoginItem {
  const file = autostartFile(env);
  return {
    // Desktop settings panels switch an entry off by adding Hidden=true rather than deleting it.
    isEnabled: () => existsSync(file) && !/^Hidden=true$/m.test(readFileSync(file, 'utf8')),
    setEnabled: (on) => {
      if (!on) { rmSync(file, { force: true }); return; }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, autostartEntry(env, execPath), { mode: 0o644 });
    },
  };
}
