import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { main } from '../../main/cli/portico.ts';
import type { CliIo } from '../../main/cli/io.ts';
import { startPebble } from '../helpers/pebble.ts';
import { startBind } from '../helpers/bind.ts';
import { freePort } from '../helpers/free-port.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';

function bufferIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [], stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {} };
}

test('portico cert renew / show, standalone against the data dir', async (t) => {
  const [https, http] = [await freePort(), await freePort()];
  const pebble = await startPebble({ tlsPort: https, httpPort: http });
  t.after(() => pebble.stop());
  const dir = await tmpDir(t);
  const configPath = join(dir, 'portico.json');
  await writeFile(configPath, JSON.stringify({
    domains: ['app.example.test'], dataDir: join(dir, 'data'),
    door: { bind: '127.0.0.1', httpsPorts: [https], httpPort: http },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'tls-alpn-01', preflight: false },
  }));

  let io = bufferIo();
  assert.equal(await main(['cert', 'show', '--json', '--config', configPath], io), 0);
  assert.equal(JSON.parse(io.stdout.join('\n')).state, 'none');

  io = bufferIo();
  assert.equal(await main(['cert', 'renew', '--config', configPath], io), 0, io.stderr.join('\n'));
  assert.match(io.stdout.join('\n'), /state:\s+valid/);
  // Text output: local time to the minute, never ISO with milliseconds (that is --json's).
  assert.match(io.stdout.join('\n'), /valid until:\s+\d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d$/m);
  assert.doesNotMatch(io.stdout.join('\n'), /\d\d:\d\d:\d\d\.\d{3}Z/);

  io = bufferIo();
  assert.equal(await main(['cert', 'show', '--json', '--config', configPath], io), 0);
  const s = JSON.parse(io.stdout.join('\n'));
  const leaf = new X509Certificate(await readFile(join(dir, 'data', 'certs', 'app.example.test', 'cert.pem')));
  assert.equal(s.state, 'valid');
  assert.equal(s.notAfter, new Date(leaf.validTo).toISOString());
  assert.ok(Date.parse(s.nextAttemptAt) > Date.now(), 'next renewal time shown');
  // The renewal time is chosen once (by the renew that got the certificate) and read back by every show.
  io = bufferIo();
  assert.equal(await main(['cert', 'show', '--json', '--config', configPath], io), 0);
  assert.equal(JSON.parse(io.stdout.join('\n')).nextAttemptAt, s.nextAttemptAt);

  // Not due: renew without --force leaves the certificate alone; --force replaces it.
  io = bufferIo();
  assert.equal(await main(['cert', 'renew', '--json', '--config', configPath], io), 0);
  assert.equal(new X509Certificate(await readFile(join(dir, 'data', 'certs', 'app.example.test', 'cert.pem'))).serialNumber, leaf.serialNumber);
  io = bufferIo();
  assert.equal(await main(['cert', 'renew', '--force', '--json', '--config', configPath], io), 0);
  assert.notEqual(new X509Certificate(await readFile(join(dir, 'data', 'certs', 'app.example.test', 'cert.pem'))).serialNumber, leaf.serialNumber);

  // The CA unreachable: exit 1, a plain message, and the error kept for `cert show`.
  await pebble.stopCa();
  io = bufferIo();
  assert.equal(await main(['cert', 'renew', '--force', '--config', configPath], io), 1);
  assert.match(io.stderr.join('\n'), /could not be reached/);
  io = bufferIo();
  assert.equal(await main(['cert', 'show', '--config', configPath], io), 0);
  assert.match(io.stdout.join('\n'), /last error:.*could not be reached/);
  assert.match(io.stdout.join('\n'), /next attempt:/);

  io = bufferIo();
  assert.equal(await main(['cert', 'frobnicate', '--config', configPath], io), 2);
});

test('two `portico cert renew` processes at once on one data dir: one order, the other uses its certificate', async (t) => {
  const bind = await startBind();
  t.after(() => bind.stop());
  const pebble = await startPebble({ dnsServer: bind.address });
  t.after(() => pebble.stop());
  const dir = await tmpDir(t);
  const configPath = join(dir, 'portico.json');
  await writeFile(configPath, JSON.stringify({
    domains: ['app.example.test'], dataDir: join(dir, 'data'),
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'dns-01', preflight: false },
    dns: { provider: { kind: 'rfc2136', server: bind.host, port: bind.port, zone: bind.zone, keyName: bind.keyName, keyAlgorithm: bind.keyAlgorithm, keySecret: bind.keySecret } },
  }));
  const bin = fileURLToPath(new URL('../../bin/portico.js', import.meta.url));
  const run = () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn(process.execPath, [bin, 'cert', 'renew', '--json', '--config', configPath], { env: { ...process.env, PORTICO_FROM_SOURCE: '1' } });
    let out = '', err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
  const [a, b] = await Promise.all([run(), run()]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  assert.equal(JSON.parse(a.out).status.notAfter, JSON.parse(b.out).status.notAfter);
  // A second order would have moved the first certificate to previous/.
  await assert.rejects(stat(join(dir, 'data', 'certs', 'app.example.test', 'previous')), { code: 'ENOENT' });
  assert.ok(!(a.out + a.err + b.out + b.err).includes(bind.keySecret), 'the TSIG secret is never printed');
});
