/**
 * The CLI next to a running `portico serve` (a real child process): `cert renew --force` and
 * `plex apply|undo` ask the service through its API instead of opening the same ports or
 * writing the same files behind its back.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { main } from '../../main/cli/portico.ts';
import type { CliIo } from '../../main/cli/io.ts';
import { ServiceClient } from '../../main/cli/service-client.ts';
import type { AppStatus } from '../../main/shared/status.ts';
import { startPebble } from '../helpers/pebble.ts';
import { freePort } from '../helpers/free-port.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { porticoProcess } from '../helpers/portico-process.ts';
import { PmsStandIn } from '../stand-ins/pms.ts';

const DOMAIN = 'app.example.test';
const OWNER_TOKEN = 'owner-token-next-to-service';

function bufferIo(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [], stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

async function runningService(t: TestContext) {
  // Stopped before the directories it writes to are removed (after-hooks run in order).
  let serve: ReturnType<typeof porticoProcess> | undefined;
  t.after(async () => { if (serve && serve.child.exitCode === null) { serve.child.kill('SIGKILL'); await serve.exited; } });
  const dir = await tmpDir(t);
  const supportDir = join(dir, 'pms');
  const pms = new PmsStandIn({ supportDir, ownerToken: OWNER_TOKEN });
  await pms.start();
  t.after(() => pms.stop());
  const [https, http, ui] = [await freePort(), await freePort(), await freePort()];
  const pebble = await startPebble({ tlsPort: https, httpPort: http });
  t.after(() => pebble.stop());
  const dataDir = join(dir, 'data');
  const config = join(dir, 'portico.json');
  await writeFile(config, JSON.stringify({
    domains: [DOMAIN], dataDir,
    door: { bind: '127.0.0.1', httpsPorts: [https], httpPort: http },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'tls-alpn-01', preflight: false },
    plex: { url: pms.url },
    router: { mode: 'off' },
    ui: { port: ui },
  }));
  const env = { PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR: supportDir };
  const child = serve = porticoProcess(['serve', '--config', config], env);
  await waitFor('the dashboard line', () => /^Dashboard: /m.test(child.out.stdout) || child.child.exitCode !== null, 60_000);
  assert.equal(child.child.exitCode, null, child.out.stderr);
  const status = async (): Promise<AppStatus> => {
    const r = await ServiceClient.reach({ dataDir, ui: { port: ui } });
    assert.equal(r.kind, 'running');
    return (r as { status: AppStatus }).status;
  };
  return { dir, dataDir, config, pms, env, status, log: () => child.out.stderr };
}

test('cert renew --force while serve runs: the service renews (no "port in use"), and says so', async (t) => {
  const s = await runningService(t);
  let last: unknown;
  const first = await waitFor('the service\'s first certificate', async () => {
    const c = (await s.status()).certificates[0];
    last = c;
    return c?.state === 'valid' ? c : null;
  }, 120_000, 250).catch((e: Error) => { throw new Error(`${e.message}; last: ${JSON.stringify(last)}; log: ${s.log().slice(-2000)}`); });
  const certPath = join(s.dataDir, 'certs', DOMAIN, 'cert.pem');
  const before = new X509Certificate(await readFile(certPath)).serialNumber;

  const io = bufferIo();
  assert.equal(await main(['cert', 'renew', '--force', '--config', s.config], io), 0, io.stderr.join('\n'));
  assert.match(io.stdout.join('\n'), /Asking the running Portico service \(127\.0\.0\.1:\d+\) to renew/);
  assert.match(io.stdout.join('\n'), /state:\s+valid/);
  assert.doesNotMatch(io.stderr.join('\n'), /in use/);
  const after = new X509Certificate(await readFile(certPath)).serialNumber;
  assert.notEqual(after, before, 'a new certificate on disk');
  // The service itself holds it: its status changed without a restart.
  const now = (await s.status()).certificates[0]!;
  assert.notEqual(now.notBefore === first.notBefore && now.obtainedAt === first.obtainedAt, true, 'the running service serves the new certificate');

  const json = bufferIo();
  assert.equal(await main(['cert', 'renew', '--json', '--config', s.config], json), 0, json.stderr.join('\n'));
  const answer = JSON.parse(json.stdout.join('\n')) as { ok: boolean; status: { nextAttemptAt: string } };
  assert.equal(answer.ok, true);
  assert.equal(answer.status.nextAttemptAt, (await s.status()).certificates[0]!.nextAttemptAt, 'the service\'s own renewal time');
});

test('plex apply and undo while serve runs go through the service: its status and event list know at once', async (t) => {
  const s = await runningService(t);
  const original = await readFile(s.pms.preferencesPath);
  const io = bufferIo(s.env);
  assert.equal(await main(['plex', 'apply', '--config', s.config], io), 0, io.stderr.join('\n'));
  assert.match(io.stdout.join('\n'), /Asking the running Portico service .* to apply the settings\.\.\.\nChanged in Plex Media Server:\n {2}Custom server access URLs \(customConnections\): \(empty\) -> https:\/\/app\.example\.test:443/);
  const st = await s.status();
  assert.equal(st.plex.applied, true, 'the service knows without waiting for its next poll');

  const un = bufferIo(s.env);
  assert.equal(await main(['plex', 'undo', '--json', '--config', s.config], un), 0, un.stderr.join('\n'));
  assert.equal((JSON.parse(un.stdout.join('\n')) as { changes: unknown[] }).changes.length, 1);
  assert.deepEqual(await readFile(s.pms.preferencesPath), original);
  assert.equal((await s.status()).plex.applied, false);

  const p12 = bufferIo(s.env);
  assert.equal(await main(['plex', 'apply', '--custom-certificate', '--p12', 'x.p12', '--config', s.config], p12), 2);
  assert.match(p12.stderr.join('\n'), /"portico serve" is running and applies the certificate it exports itself; drop --p12/);
  assert.ok(!(io.stdout.join('') + io.stderr.join('') + un.stdout.join('')).includes(OWNER_TOKEN));
});
