import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { startPebble } from '../../helpers/pebble.ts';
import { startBind } from '../../helpers/bind.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { AcmeIssuer, ariCertId } from '../../../main/core/certs/acme-issuer.ts';
import { CertManager } from '../../../main/core/certs/cert-manager.ts';
import { Rfc2136 } from '../../../main/core/dns/rfc2136.ts';

test('dns-01 through RFC 2136 to a real BIND: a wildcard certificate', async (t) => {
  const bind = await startBind();
  t.after(() => bind.stop());
  const pebble = await startPebble({ dnsServer: bind.address });
  t.after(() => pebble.stop());
  const dataDir = await tmpDir(t);
  const dnsCfg = { kind: 'rfc2136' as const, server: bind.host, port: bind.port, zone: bind.zone, keyName: bind.keyName, keyAlgorithm: bind.keyAlgorithm, keySecret: bind.keySecret };
  const cm = new CertManager({
    domains: ['app.example.test', '*.app.example.test'],
    acme: { directoryUrl: pebble.directoryUrl, email: null, challenge: 'auto', caFile: pebble.apiCaPath, keyType: 'ecdsa-p256', eab: null, preflight: true },
    dns: { provider: dnsCfg, resolver: null, ddns: false },
    dataDir, secrets: new MemorySecretStore(), challenges: new ChallengeStore(), clock: new ManualClock(Date.now()), logger: silentLogger,
    onCertificate: () => {}, dnsPropagationMs: 0,
  });
  const r = await cm.renewNow();
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.challenge, 'dns-01', 'a wildcard forces dns-01');
  const pem = await readFile(`${dataDir}/certs/app.example.test/cert.pem`, 'utf8');
  const leaf = new X509Certificate(pem);
  assert.deepEqual(leaf.subjectAltName?.split(', ').sort(), ['DNS:*.app.example.test', 'DNS:app.example.test']);
  const chain = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.map((p) => new X509Certificate(p));
  assert.ok(chain.at(-1)!.verify(new X509Certificate(pebble.rootPem).publicKey));
  assert.deepEqual(bind.query('_acme-challenge.app.example.test', 'TXT'), [], 'TXT records removed afterwards');
  // Pre-flight against a test CA orders from the same directory and is remembered.
  assert.ok(JSON.parse(await readFile(`${dataDir}/certs/app.example.test/preflight.json`, 'utf8')).challenge);

  await t.test('a wrong TSIG secret stops with a reason instead of retrying, until the config changes', async () => {
    const dir2 = await tmpDir(t);
    const mk = (keySecret: string) => new CertManager({
      domains: ['*.app.example.test'],
      acme: { directoryUrl: pebble.directoryUrl, email: null, challenge: 'dns-01', caFile: pebble.apiCaPath, keyType: 'ecdsa-p256', eab: null, preflight: false },
      dns: { provider: { ...dnsCfg, keySecret }, resolver: null, ddns: false },
      dataDir: dir2, secrets: new MemorySecretStore(), challenges: new ChallengeStore(), clock: new ManualClock(Date.now()), logger: silentLogger,
      onCertificate: () => {}, dnsPropagationMs: 0,
    });
    const wrongSecret = Buffer.alloc(32, 1).toString('base64');
    const cm2 = mk(wrongSecret);
    const r2 = await cm2.renewNow();
    assert.equal(r2.ok, false);
    const st = cm2.getStatus()[0]!;
    assert.equal(st.lastError?.code, 'dns-tsig-rejected');
    assert.equal(st.nextAttemptAt, undefined, 'no retry scheduled: retrying cannot fix a wrong key');
    assert.equal(st.state, 'failed');
    assert.equal(st.lastError?.retryable, false);
    // A restart with the same config stays stopped; with the key fixed it starts afresh.
    assert.equal((await mk(wrongSecret).load())[0]!.lastError?.code, 'dns-tsig-rejected');
    assert.equal((await mk(bind.keySecret).load())[0]!.lastError, undefined);
  });
});

test('External Account Binding (as ZeroSSL requires) against pebble', async (t) => {
  const hmac = Buffer.alloc(32, 9).toString('base64url');
  const pebble = await startPebble({ eabKeys: { 'kid-1': hmac } });
  t.after(() => pebble.stop());
  const caPem = await readFile(pebble.apiCaPath, 'utf8');
  const challenges = new ChallengeStore();
  const mk = (eab: { kid: string; hmacKey: string } | null) => new AcmeIssuer({ directoryUrl: pebble.directoryUrl, caPem, email: null, eab, secrets: new MemorySecretStore(), challenges, dns: null, logger: silentLogger });

  const missing = await mk(null).issue({ domains: ['eab.example.test'], keyType: 'ecdsa-p256', challenge: 'http-01' });
  assert.equal(missing.ok, false);
  if (!missing.ok) {
    assert.equal(missing.error.code, 'acme-eab-required');
    assert.equal(missing.error.retryable, false);
    assert.match(missing.error.fix ?? '', /acme\.eab/);
  }
  const wrong = await mk({ kid: 'kid-1', hmacKey: Buffer.alloc(32, 8).toString('base64url') }).issue({ domains: ['eab.example.test'], keyType: 'ecdsa-p256', challenge: 'http-01' });
  assert.equal(wrong.ok, false);
  if (!wrong.ok) {
    assert.equal(wrong.error.retryable, false, wrong.error.message);
    assert.ok(!JSON.stringify(wrong.error).includes(Buffer.alloc(32, 8).toString('base64url')));
  }
  // With the right key the account is created; the order then fails at the challenge (no door here), not at the account.
  const right = await mk({ kid: 'kid-1', hmacKey: hmac }).issue({ domains: ['eab.example.test'], keyType: 'ecdsa-p256', challenge: 'http-01' });
  assert.equal(right.ok, false);
  if (!right.ok) assert.doesNotMatch(right.error.message, /creating the ACME account/);
});

test('ARI certificate id (RFC 9773) matches what openssl reads from the certificate', async (t) => {
  const dir = await tmpDir(t);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-keyout', `${dir}/k`, '-out', `${dir}/c`, '-subj', '/CN=a.example.test', '-set_serial', '0x87654321'], { stdio: 'ignore' });
  const pem = await readFile(`${dir}/c`, 'utf8');
  const aki = execFileSync('openssl', ['x509', '-in', `${dir}/c`, '-noout', '-ext', 'authorityKeyIdentifier'], { encoding: 'utf8' }).split('\n')[1]!.trim().replace(/^keyid:/, '').replace(/:/g, '');
  assert.equal(ariCertId(pem), `${Buffer.from(aki, 'hex').toString('base64url')}.${Buffer.from('0087654321', 'hex').toString('base64url')}`);
  assert.equal(Buffer.from('0087654321', 'hex').toString('base64url'), 'AIdlQyE', 'the serial encoding of the RFC example');
});

test('Rfc2136 provider is the one used for dns-01 (no nsupdate binary involved)', () => {
  assert.equal(new Rfc2136({ kind: 'rfc2136', server: '127.0.0.1', port: 53, zone: 'example.test', keyName: 'k', keyAlgorithm: 'hmac-sha256', keySecret: 'AAAA' }, silentLogger).kind, 'rfc2136');
});
