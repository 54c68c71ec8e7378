/**
 * The token readers against the real operating system, run by CI on windows-latest and
 * macos-latest (skipped elsewhere): reg.exe reads a value `reg add` wrote, and the plist reader
 * reads a file macOS's own `defaults` wrote. A throwaway registry key and a temporary home keep a
 * developer's real Plex settings untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { findLocalToken, localTokenSources, MAC_PLIST, REGISTRY_KEY, type CommandRunner } from '../../../main/core/plex/local-token.ts';

test('Windows: reg.exe reads back a PlexOnlineToken that reg add wrote', { skip: process.platform !== 'win32' && 'needs Windows' }, async (t) => {
  const key = `HKCU\\Software\\Portico-test-${process.pid}\\Plex Media Server`;
  execFileSync('reg', ['add', key, '/v', 'PlexOnlineToken', '/t', 'REG_SZ', '/d', 'rEaLrEgIsTrY-42', '/f']);
  t.after(() => execFileSync('reg', ['delete', key.replace(/\\Plex Media Server$/, ''), '/f']));
  // The real reg.exe, pointed at the throwaway key instead of Plex's own.
  const run: CommandRunner = (file, args) => new Promise((resolve) => {
    execFile(file, args.map((a) => (a === REGISTRY_KEY ? key : a)), { windowsHide: true }, (e, stdout, stderr) => {
      resolve({ code: e ? 1 : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
  assert.equal((await findLocalToken(localTokenSources({ platform: 'win32', runCommand: run })))?.token, 'rEaLrEgIsTrY-42');
  execFileSync('reg', ['delete', key, '/v', 'PlexOnlineToken', '/f']);
  assert.equal(await findLocalToken(localTokenSources({ platform: 'win32', runCommand: run })), null);
});

test('macOS: the plist that `defaults write` produces gives the token', { skip: process.platform !== 'darwin' && 'needs macOS' }, async (t) => {
  const home = await tmpDir(t);
  mkdirSync(join(home, 'Library', 'Preferences'), { recursive: true });
  const plist = join(home, MAC_PLIST);
  execFileSync('defaults', ['write', plist.replace(/\.plist$/, ''), 'PlexOnlineToken', '-string', 'rEaLpLiSt-7']);
  execFileSync('defaults', ['write', plist.replace(/\.plist$/, ''), 'FriendlyName', '-string', 'Den']);
  assert.equal((await findLocalToken(localTokenSources({ platform: 'darwin', home })))?.token, 'rEaLpLiSt-7');
  execFileSync('plutil', ['-convert', 'xml1', plist]);
  assert.equal((await findLocalToken(localTokenSources({ platform: 'darwin', home })))?.token, 'rEaLpLiSt-7', 'the XML form too');
});
