import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { findLocalToken, localTokenSources, parseRegQueryOutput, MAC_PLIST, REGISTRY_KEY, type CommandRunner } from '../../../main/core/plex/local-token.ts';
import { parsePlist } from '../../../main/core/plex/plist.ts';

const FIX = new URL('../../fixtures/plex/', import.meta.url).pathname;

test('Windows: reads PlexOnlineToken from real reg.exe output through the injected runner', async () => {
  const out = await readFile(join(FIX, 'reg-query-token.txt'), 'utf8');
  const calls: string[][] = [];
  const run: CommandRunner = async (file, args) => { calls.push([file, ...args]); return { code: 0, stdout: out, stderr: '' }; };
  const t = await findLocalToken(localTokenSources({ platform: 'win32', runCommand: run }));
  assert.equal(t?.token, 'wInReGiStRyToKeN-Qq9');
  assert.match(t!.source, /registry/);
  assert.deepEqual(calls, [['reg', 'query', 'HKCU\\Software\\Plex, Inc.\\Plex Media Server', '/v', 'PlexOnlineToken']]);
  assert.equal(REGISTRY_KEY, 'HKCU\\Software\\Plex, Inc.\\Plex Media Server');
});

test('Windows: a missing value (reg exits 1) or another value name yields no token', async () => {
  const run: CommandRunner = async () => ({ code: 1, stdout: '', stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n' });
  assert.equal(await findLocalToken(localTokenSources({ platform: 'win32', runCommand: run })), null);
  assert.equal(parseRegQueryOutput('\r\nHKEY_CURRENT_USER\\Software\\Plex, Inc.\\Plex Media Server\r\n    PlexOnlineMail    REG_SZ    a@b.c\r\n'), null);
  assert.equal(parseRegQueryOutput('    PlexOnlineToken    REG_SZ    \r\n'), null);
});

test('macOS: binary plist (bplist00, written by plistlib) and XML plist both give the token', async (t) => {
  const home = await tmpDir(t);
  await mkdir(join(home, 'Library/Preferences'), { recursive: true });
  const dest = join(home, MAC_PLIST);
  await copyFile(join(FIX, 'com.plexapp.plexmediaserver.binary.plist'), dest);
  const sources = localTokenSources({ platform: 'darwin', home });
  assert.equal((await findLocalToken(sources))?.token, 'mAcBiNaRyToKeN-xyz123');
  await copyFile(join(FIX, 'com.plexapp.plexmediaserver.xml.plist'), dest);
  assert.equal((await findLocalToken(sources))?.token, 'mAcXmLtOkEn-abc789');
  await writeFile(dest, 'garbage');
  assert.equal(await findLocalToken(sources), null);
});

test('binary plist parser reads every type plistlib writes (fresh file made at test time)', async (t) => {
  const dir = await tmpDir(t);
  const path = join(dir, 'p.plist');
  execFileSync('python3', ['-c', `
import plistlib, datetime, sys
d = {'s': 'ascii', 'u': 'Ünïcode ✓', 'i': 7, 'big': 2**40, 'neg': -5, 'f': 1.5, 't': True, 'n': False,
     'a': [1, 'two', {'x': 3}], 'b': b'\\x00\\x01\\xff', 'd': datetime.datetime(2026, 1, 2, 3, 4, 5),
     'long': 'x' * 300, 'PlexOnlineToken': 'tok-123456'}
open(sys.argv[1], 'wb').write(plistlib.dumps(d, fmt=plistlib.FMT_BINARY))`, path]);
  const v = parsePlist(await readFile(path)) as Record<string, unknown>;
  assert.equal(v.s, 'ascii');
  assert.equal(v.u, 'Ünïcode ✓');
  assert.equal(v.i, 7);
  assert.equal(v.big, 2 ** 40);
  assert.equal(v.neg, -5);
  assert.equal(v.f, 1.5);
  assert.equal(v.t, true);
  assert.equal(v.n, false);
  assert.deepEqual(v.a, [1, 'two', { x: 3 }]);
  assert.deepEqual([...(v.b as Uint8Array)], [0, 1, 255]);
  assert.equal((v.d as Date).toISOString(), '2026-01-02T03:04:05.000Z');
  assert.equal(v.long, 'x'.repeat(300));
  assert.equal(v.PlexOnlineToken, 'tok-123456');
});

test('Linux: Preferences.xml in PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR, the package path and Docker /config', async (t) => {
  const root = await tmpDir(t);
  const env = { PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: '/srv/plexdata' };
  const sources = localTokenSources({ platform: 'linux', env, home: '/home/u', root });
  assert.equal(await findLocalToken(sources), null);

  const docker = join(root, '/config/Library/Application Support/Plex Media Server');
  await mkdir(docker, { recursive: true });
  await copyFile(join(FIX, 'Preferences.xml'), join(docker, 'Preferences.xml'));
  const found = await findLocalToken(sources);
  assert.equal(found?.token, 'lInUxPrEfSToKeN-777');
  assert.equal(found?.source, join(docker, 'Preferences.xml'));

  const pkg = join(root, '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'Preferences.xml'), '<?xml version="1.0" encoding="utf-8"?>\n<Preferences PlexOnlineToken="pkg-token-1"/>\n');
  assert.equal((await findLocalToken(sources))?.token, 'pkg-token-1', 'the package path comes before Docker');

  const custom = join(root, '/srv/plexdata/Plex Media Server');
  await mkdir(custom, { recursive: true });
  await writeFile(join(custom, 'Preferences.xml'), '<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="x" PlexOnlineToken="env-token-&amp;-2"/>\n');
  assert.equal((await findLocalToken(sources))?.token, 'env-token-&-2', 'the env var wins and entities are decoded');

  await writeFile(join(custom, 'Preferences.xml'), '<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="x"/>\n');
  assert.equal((await findLocalToken(sources))?.token, 'pkg-token-1', 'a file without a token is skipped');
});
