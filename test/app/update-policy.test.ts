/**
 * Updates: the install decision (pure), and electron-updater's own GitHub feed reader run against
 * a local stand-in of the release feed over real HTTP. What cannot run here: the download, the
 * signature check and the install itself (they need a packaged Electron app); the release
 * workflow's smoke test covers the packaged app on each OS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import type { AppStatus } from '../../main/shared/status.ts';
import { installDecision, updateMenuLabel, UPDATE_READY_LABEL, type UpdateState } from '../../main/app/update-policy.ts';
import { startGitHubReleases } from '../stand-ins/github-releases.ts';

const require = createRequire(import.meta.url);

const certs = (...states: AppStatus['certificates'][number]['state'][]) =>
  ({ certificates: states.map((state, i) => ({ domains: [`plex${i}.example.com`], state })) }) as Pick<AppStatus, 'certificates'>;
const ready: UpdateState = { kind: 'ready', version: '1.2.0' };

test('the tray offers the restart only once an update is downloaded', () => {
  assert.equal(updateMenuLabel(ready), UPDATE_READY_LABEL);
  assert.equal(UPDATE_READY_LABEL, 'Update ready — restart to install');
  for (const u of [{ kind: 'none' }, { kind: 'downloading', version: '1.2.0' }, { kind: 'failed', message: 'x' }] as UpdateState[]) assert.equal(updateMenuLabel(u), null);
});

test('install now only when asked and no certificate is being ordered; otherwise wait and say for what', () => {
  assert.deepEqual(installDecision(ready, certs('valid', 'expiring'), true), { kind: 'install-now', version: '1.2.0' });
  assert.deepEqual(installDecision(ready, certs(), true), { kind: 'install-now', version: '1.2.0' });
  assert.deepEqual(installDecision(ready, certs('valid'), false), { kind: 'nothing' }, 'never restarts on its own');
  assert.deepEqual(installDecision({ kind: 'downloading', version: '1.2.0' }, certs('valid'), true), { kind: 'nothing' });
  assert.deepEqual(installDecision(ready, certs('valid', 'renewing'), true), { kind: 'wait', reason: 'Portico restarts into 1.2.0 as soon as the certificate for plex1.example.com is issued.' });
});

test('electron-updater\'s GitHub provider reads the newest release and its latest-linux.yml from a local feed stand-in', async (t) => {
  const { GitHubProvider } = require('electron-updater/out/providers/GitHubProvider.js') as { GitHubProvider: new (o: object, u: object, r: object) => { getLatestVersion(): Promise<{ version: string; files: { url: string; sha512: string; size: number }[]; releaseNotes?: string }>; resolveFiles(i: object): { url: URL }[] } };
  const { HttpExecutor } = require('builder-util-runtime') as { HttpExecutor: new () => object };
  // electron-updater's executor uses Electron's net module; plain Node http does the same job here.
  class NodeExecutor extends HttpExecutor {
    createRequest(options: object, callback: (r: unknown) => void) { return request(options, callback); }
  }
  const latestLinux = [
    'version: 1.2.0',
    'files:',
    '  - url: Portico-1.2.0-linux-x86_64.AppImage',
    '    sha512: c2hhNTEyLW9mLXRoZS1hcHBpbWFnZQ==',
    '    size: 104857600',
    'path: Portico-1.2.0-linux-x86_64.AppImage',
    'sha512: c2hhNTEyLW9mLXRoZS1hcHBpbWFnZQ==',
    "releaseDate: '2026-12-01T10:00:00.000Z'",
    '',
  ].join('\n');
  const feed = await startGitHubReleases('portico-app', 'portico', [
    { tag: 'v1.2.0', files: { 'latest-linux.yml': latestLinux } },
    { tag: 'v1.1.0', files: {} },
  ]);
  t.after(() => feed.close());
  const provider = new GitHubProvider(
    { provider: 'github', owner: 'portico-app', repo: 'portico', host: feed.host, protocol: 'http' },
    { allowPrerelease: false, currentVersion: '1.1.0', channel: null },
    { executor: new NodeExecutor(), platform: 'linux', isUseMultipleRangeRequest: false },
  );
  const info = await provider.getLatestVersion();
  assert.equal(info.version, '1.2.0');
  assert.deepEqual(info.files.map((f) => [f.url, f.size]), [['Portico-1.2.0-linux-x86_64.AppImage', 104857600]]);
  assert.match(String(info.releaseNotes), /Notes for v1\.2\.0/);
  assert.equal(provider.resolveFiles(info)[0]!.url.href, `http://${feed.host}/portico-app/portico/releases/download/v1.2.0/Portico-1.2.0-linux-x86_64.AppImage`);
  assert.deepEqual(feed.requests, ['/portico-app/portico/releases.atom', '/api/v3/repos/portico-app/portico/releases/latest', '/portico-app/portico/releases/download/v1.2.0/latest-linux.yml']);

  // A release without the channel file is an error that names the file, not a silent "no update".
  const empty = await startGitHubReleases('portico-app', 'portico', [{ tag: 'v1.3.0', files: {} }]);
  t.after(() => empty.close());
  const p2 = new GitHubProvider({ provider: 'github', owner: 'portico-app', repo: 'portico', host: empty.host, protocol: 'http' }, { allowPrerelease: false, currentVersion: '1.1.0', channel: null }, { executor: new NodeExecutor(), platform: 'linux', isUseMultipleRangeRequest: false });
  await assert.rejects(p2.getLatestVersion(), /Cannot find latest-linux\.yml in the latest release artifacts/);
});
