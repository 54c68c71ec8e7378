import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type PeerCertificate } from 'node:tls';
import { createServer, type Server } from 'node:http';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startPebble, type Pebble } from '../../helpers/pebble.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { Door } from '../../../main/core/proxy/door.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { createLogger, silentLogger, type LogRecord } from '../../../main/core/support/logger.ts';
import { systemClock, type Clock } from '../../../main/core/support/clock.ts';
import { CertManager, type CertEvent, type CertManagerOptions } from '../../../main/core/certs/cert-manager.ts';
import { AcmeIssuer } from '../../../main/core/certs/acme-issuer.ts';
import type { Issuer } from '../../../main/core/certs/issuer.ts';
import { RETRY_SCHEDULE_MS } from '../../../main/core/certs/renewal-policy.ts';
import { CertStore } from '../../../main/core/certs/cert-store.ts';
import { FileLock } from '../../../main/core/support/file-lock.ts';
import { placeholderCert } from '../../../main/core/proxy/placeholder-cert.ts';
import type { Config } from '../../../main/shared/config.ts';

const HOST = 'app.example.test';

/** A door on free ports with a slow streaming upstream, and pebble's validator pointed at the door. */
async function rig(t: { after(fn: () => unknown): void }, challenges = new ChallengeStore(), pebbleOpts: Parameters<typeof startPebble>[0] = {}) {
  const upstream: Server = createServer((req, res) => {
    if (req.url === '/slow') {
      // 20 chunks, 50 ms apart: a download that is still running while the certificate changes.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 20 * 1000 });
      let i = 0;
      const tick = setInterval(() => { res.write(Buffer.alloc(1000, i)); if (++i === 20) { clearInterval(tick); res.end(); } }, 50);
      return;
    }
    res.end('hello from upstream');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { upstream.closeAllConnections(); upstream.close(r); }));
  const door = new Door({
    bind: '127.0.0.1', httpsPorts: [0], httpPort: 0, publicHttpsPort: 443,
    routes: [{ host: HOST, upstream: `http://127.0.0.1:${(upstream.address() as { port: number }).port}` }],
    passthrough: { host: '127.0.0.1', port: 9 }, challenges, logger: silentLogger,
  });
  await door.start();
  t.after(() => door.stop(100));
  const pebble = await startPebble({ httpPort: door.ports().http!, tlsPort: door.ports().https[0]!, ...pebbleOpts });
  t.after(() => pebble.stop());
  return { door, pebble, challenges };
}

function acmeConfig(pebble: Pebble, over: Partial<Config['acme']> = {}): Config['acme'] {
  return { directoryUrl: pebble.directoryUrl, email: 'me@example.test', challenge: 'tls-alpn-01', caFile: pebble.apiCaPath, keyType: 'ecdsa-p256', eab: null, preflight: false, ...over };
}

function manager(o: { dataDir: string; pebble: Pebble; door: Door; challenges: ChallengeStore; clock?: Clock } & Partial<CertManagerOptions>): CertManager {
  return new CertManager({
    domains: [HOST], dns: { provider: null, resolver: null, ddns: false }, secrets: new MemorySecretStore(), clock: systemClock, logger: silentLogger,
    onCertificate: (hosts, pem, kind) => o.door.setCertificate(hosts, pem, kind),
    ...o,
    acme: o.acme ?? acmeConfig(o.pebble),
  });
}

/** The certificate the door presents for HOST, checked against the issuing root. */
function peerCert(door: Door, rootPem: string): Promise<PeerCertificate & { authorized: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: door.ports().https[0]!, servername: HOST, ca: rootPem, rejectUnauthorized: false }, () => {
      const c = s.getPeerCertificate();
      resolve({ ...c, authorized: s.authorized });
      s.end();
    });
    s.on('error', reject);
  });
}

function verifyChain(certPem: string, rootPem: string): void {
  const chain = certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.map((p) => new X509Certificate(p));
  const root = new X509Certificate(rootPem);
  assert.ok(chain.length >= 2, 'leaf and intermediate');
  for (let i = 0; i < chain.length - 1; i++) assert.ok(chain[i]!.verify(chain[i + 1]!.publicKey), `cert ${i} is signed by the next`);
  assert.ok(chain.at(-1)!.verify(root.publicKey), 'the last intermediate is signed by pebble\'s root');
}

test('certificates from pebble through the real door', async (t) => {
  const { door, pebble, challenges } = await rig(t);

  await t.test('tls-alpn-01: issued, chain verifies, served by the running door without restart', async (t) => {
    const dataDir = await tmpDir(t);
    const events: CertEvent[] = [];
    const logs: LogRecord[] = [];
    const secrets = new MemorySecretStore();
    const cm = manager({ dataDir, pebble, door, challenges, secrets, logger: createLogger({ level: 'debug', sink: (l) => logs.push(l) }) });
    cm.onDidChange((e) => events.push(e));
    const r = await cm.renewNow();
    assert.ok(r.ok, JSON.stringify(r));
    await cm.exportPkcs12();
    const accountKey = (await secrets.get(`acme-account-key:${pebble.directoryUrl}`))!;
    assert.match(accountKey, /BEGIN PRIVATE KEY/, 'the account key lives in the secret store');
    const passphrase = (await secrets.get(`pkcs12-passphrase:${join(dataDir, 'certs', HOST)}`))!;
    for (const secret of [accountKey.split('\n')[1]!, passphrase]) {
      assert.ok(!JSON.stringify(logs).includes(secret) && !JSON.stringify(cm.getStatus()).includes(secret), 'secrets never in logs or status');
    }
    assert.ok(logs.length > 0);
    const pem = await readFile(join(dataDir, 'certs', HOST, 'cert.pem'), 'utf8');
    verifyChain(pem, pebble.rootPem);
    const leaf = new X509Certificate(pem);
    assert.equal(leaf.subjectAltName, `DNS:${HOST}`);
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const served = await peerCert(door, pebble.rootPem);
    assert.equal(served.serialNumber, leaf.serialNumber);
    assert.deepEqual(events.map((e) => e.kind), ['cert-obtained']);
    assert.equal(cm.getStatus()[0]!.state, 'valid');
    assert.equal(cm.getStatus()[0]!.challenge, 'tls-alpn-01');
    assert.equal((await stat(join(dataDir, 'certs', HOST, 'key.pem'))).mode & 0o777, 0o600);
    assert.equal(challenges.size, 0, 'challenge material removed afterwards');
  });

  await t.test('http-01 with an RSA-2048 key', async (t) => {
    const dataDir = await tmpDir(t);
    const cm = manager({ dataDir, pebble, door, challenges, acme: acmeConfig(pebble, { challenge: 'http-01', keyType: 'rsa-2048' }) });
    const r = await cm.renewNow();
    assert.ok(r.ok, JSON.stringify(r));
    const pem = await readFile(join(dataDir, 'certs', HOST, 'cert.pem'), 'utf8');
    verifyChain(pem, pebble.rootPem);
    assert.equal(new X509Certificate(pem).publicKey.asymmetricKeyType, 'rsa');
    assert.equal((await peerCert(door, pebble.rootPem)).serialNumber, new X509Certificate(pem).serialNumber);
  });

  await t.test('a wrong http-01 answer: invalid order reported in plain words, retried on schedule', async (t) => {
    const dataDir = await tmpDir(t);
    const clock = new ManualClock(Date.now());
    // The HTTP door answers from this store: make it give a wrong key authorization.
    const orig = challenges.getHttp.bind(challenges);
    challenges.getHttp = (token) => (orig(token) === undefined ? undefined : 'not-the-key-authorization');
    t.after(() => { challenges.getHttp = orig; });
    const cm = manager({ dataDir, pebble, door, challenges, clock, acme: acmeConfig(pebble, { challenge: 'http-01' }) });
    const r = await cm.renewNow();
    assert.equal(r.ok, false);
    const st = cm.getStatus()[0]!;
    assert.equal(st.state, 'failed');
    assert.equal(st.lastError?.code, 'acme-challenge-failed');
    assert.match(st.lastError!.message, /could not confirm you control the name using http-01/);
    assert.match(st.lastError!.message, /key authorization/i, 'the CA\'s own words are included');
    assert.ok(st.lastError!.fix);
    assert.match(st.lastError!.problem!.type, /^urn:ietf:params:acme:error:(unauthorized|incorrectResponse)$/, 'the CA\'s problem document is kept');
    assert.equal(st.lastError!.retryable, true);
    assert.equal(Date.parse(st.nextAttemptAt!) - clock.now(), RETRY_SCHEDULE_MS[0]);
  });

  await t.test('auto: the pre-flight finds which challenge gets through and the order uses it', async (t) => {
    const dataDir = await tmpDir(t);
    // Port 443 "not forwarded": the HTTPS door has no tls-alpn-01 answer to give.
    const orig = challenges.getAlpn.bind(challenges);
    challenges.getAlpn = () => undefined;
    t.after(() => { challenges.getAlpn = orig; });
    const cm = manager({ dataDir, pebble, door, challenges, acme: acmeConfig(pebble, { challenge: 'auto', preflight: true }) });
    const r = await cm.renewNow();
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.challenge, 'http-01');
    assert.equal(JSON.parse(await readFile(join(dataDir, 'certs', HOST, 'preflight.json'), 'utf8')).challenge, 'http-01');
  });

  await t.test('PKCS#12 export opens with openssl and holds the same key and chain', async (t) => {
    const dataDir = await tmpDir(t);
    const cm = manager({ dataDir, pebble, door, challenges });
    assert.ok((await cm.renewNow()).ok);
    const { path, passphrase } = await cm.exportPkcs12();
    const out = execFileSync('openssl', ['pkcs12', '-in', path, '-passin', `pass:${passphrase}`, '-nodes', '-info'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const key = await readFile(join(dataDir, 'certs', HOST, 'key.pem'), 'utf8');
    const chain = await readFile(join(dataDir, 'certs', HOST, 'cert.pem'), 'utf8');
    const pemCerts = (s: string) => (s.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p).fingerprint256);
    assert.deepEqual(pemCerts(out), pemCerts(chain));
    const p12Key = createPrivateKey(out.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)![0]);
    assert.deepEqual(p12Key.export({ type: 'pkcs8', format: 'der' }), createPrivateKey(key).export({ type: 'pkcs8', format: 'der' }));
    assert.throws(() => execFileSync('openssl', ['pkcs12', '-in', path, '-passin', 'pass:wrong', '-nodes', '-info'], { stdio: 'ignore' }));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  await t.test('corrupt or half-written files at start: the last good certificate is served', async (t) => {
    const dataDir = await tmpDir(t);
    const first = manager({ dataDir, pebble, door, challenges });
    assert.ok((await first.renewNow()).ok);
    const firstSerial = new X509Certificate(await readFile(join(dataDir, 'certs', HOST, 'cert.pem'))).serialNumber;
    assert.ok((await first.renewNow({ force: true })).ok);
    // Half-written certificate (as after a crash without atomic writes).
    const certPath = join(dataDir, 'certs', HOST, 'cert.pem');
    const text = await readFile(certPath, 'utf8');
    await writeFile(certPath, text.slice(0, text.length / 2));
    const served: string[] = [];
    const events: CertEvent[] = [];
    const clock = new ManualClock(Date.now());
    const second = manager({ dataDir, pebble, door, challenges, clock, onCertificate: (h, pem) => served.push(new X509Certificate(pem.cert).serialNumber) });
    second.onDidChange((e) => events.push(e));
    await second.start();
    t.after(() => second.stop());
    assert.deepEqual(served, [firstSerial]);
    const st = second.getStatus()[0]!;
    assert.equal(st.state, 'valid');
    // Not silent: status and an event say the files are damaged, what is served, and the fix.
    assert.equal(st.damaged?.serving, 'previous');
    assert.match(st.damaged!.problem, /are damaged \(cert\.pem or key\.pem does not match meta\.json/);
    assert.match(st.damaged!.problem, /serves the previous certificate \(valid until \d{4}-\d\d-\d\d\)/);
    assert.match(st.damaged!.fix, /ordering a new certificate now/);
    assert.deepEqual(events.map((e) => e.kind), ['cert-damaged']);
    assert.equal(events[0]!.status.damaged?.serving, 'previous');
    // The fix happens: a new certificate is ordered at once and replaces the damaged files.
    await clock.advance(0);
    await waitFor('replacement certificate', () => events.some((e) => e.kind === 'cert-renewed'), 15_000);
    assert.equal(second.getStatus()[0]!.damaged, undefined);
    assert.equal((await new CertStore(dataDir, [HOST]).load()).damaged, null, 'the files on disk are whole again');
  });

  await t.test('a damaged key with no previous set: the placeholder is served, and status and event say so', async (t) => {
    const dataDir = await tmpDir(t);
    const pem = await placeholderCert(dataDir, [HOST]);
    await new CertStore(dataDir, [HOST]).save(pem, { domains: [HOST], issuedAt: new Date().toISOString(), directoryUrl: pebble.directoryUrl });
    await writeFile(join(dataDir, 'certs', HOST, 'key.pem'), 'not a key');
    const events: CertEvent[] = [];
    const served: string[] = [];
    const cm = manager({ dataDir, pebble, door, challenges, clock: new ManualClock(Date.now()), onCertificate: (h) => served.push(h.join()) });
    cm.onDidChange((e) => events.push(e));
    await cm.start();
    t.after(() => cm.stop());
    assert.deepEqual(served, [], 'nothing from the damaged set is handed to the door');
    const st = cm.getStatus()[0]!;
    assert.equal(st.state, 'none');
    assert.equal(st.damaged?.serving, 'placeholder');
    assert.match(st.damaged!.problem, /serves the self-signed placeholder/);
    assert.deepEqual(events.map((e) => [e.kind, e.status.damaged?.serving]), [['cert-damaged', 'placeholder']]);
  });

  await t.test('two managers on one data dir at once: only one issues', async (t) => {
    const dataDir = await tmpDir(t);
    let issued = 0;
    const caPem = await readFile(pebble.apiCaPath, 'utf8');
    const mk = () => {
      const real = new AcmeIssuer({ directoryUrl: pebble.directoryUrl, caPem, email: null, eab: null, secrets: new MemorySecretStore(), challenges, dns: null, logger: silentLogger });
      const counting: Issuer = { issue: async (req) => { issued++; return real.issue(req); }, renewalInfo: () => Promise.resolve(null) };
      return manager({ dataDir, pebble, door, challenges, issuer: counting });
    };
    const [a, b] = [mk(), mk()];
    const [ra, rb] = await Promise.all([a.renewNow(), b.renewNow()]);
    assert.equal(issued, 1);
    assert.ok(ra.ok && rb.ok, JSON.stringify([ra, rb]));
    assert.equal(a.getStatus()[0]!.notAfter, b.getStatus()[0]!.notAfter);
  });
});

test('renewal with a controlled clock: nothing before the window, renewal inside it, swapped during a download', async (t) => {
  const { door, pebble, challenges } = await rig(t, new ChallengeStore(), { validitySeconds: 3 * 86400 });
  const dataDir = await tmpDir(t);
  const clock = new ManualClock(Date.now());
  const events: CertEvent[] = [];
  const secrets = new MemorySecretStore();
  const cm = manager({ dataDir, pebble, door, challenges, clock, random: () => 0.5, secrets });
  cm.onDidChange((e) => events.push(e));
  await cm.start();
  t.after(() => cm.stop());
  await clock.advance(0);
  await waitFor('first certificate', () => events.length === 1);
  assert.equal(events[0]!.kind, 'cert-obtained');
  const first = new X509Certificate(await readFile(join(dataDir, 'certs', HOST, 'cert.pem')));
  const life = Date.parse(first.validTo) - Date.parse(first.validFrom);
  const windowStart = Date.parse(first.validTo) - life / 3;
  const renewAt = windowStart + (life / 9) * 0.5;
  assert.equal(Date.parse(cm.getStatus()[0]!.nextAttemptAt!), Math.floor(renewAt));

  // Just before the chosen point: nothing happens.
  await clock.advance(Math.floor(renewAt) - clock.now() - 60_000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(events.length, 1);

  // A download through the door is running while the window opens.
  const download = new Promise<number>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: door.ports().https[0]!, servername: HOST, ca: pebble.rootPem, rejectUnauthorized: false }, () => {
      s.write(`GET /slow HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    });
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('end', () => { const all = Buffer.concat(parts); resolve(all.length - all.indexOf('\r\n\r\n') - 4); });
    s.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 100));
  await clock.advance(11 * 60_000);
  await waitFor('renewal', () => events.length === 2, 10_000);
  assert.equal(events[1]!.kind, 'cert-renewed');
  const second = new X509Certificate(await readFile(join(dataDir, 'certs', HOST, 'cert.pem')));
  assert.notEqual(second.serialNumber, first.serialNumber);
  assert.equal((await peerCert(door, pebble.rootPem)).serialNumber, second.serialNumber, 'new connections get the new certificate');
  assert.equal(await download, 20 * 1000, 'the running download finished intact');
  // The PKCS#12 for PMS was re-exported with the new certificate.
  const p12 = join(dataDir, 'certs', HOST, 'cert.p12');
  const passphrase = (await secrets.get(`pkcs12-passphrase:${join(dataDir, 'certs', HOST)}`))!;
  const inP12 = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', `pass:${passphrase}`, '-nokeys', '-clcerts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(new X509Certificate(inP12.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]).serialNumber, second.serialNumber);
  assert.equal(cm.getStatus()[0]!.pkcs12Path, p12);
});

test('CA stopped mid-order: retries follow the schedule while the old certificate keeps serving', async (t) => {
  const challenges = new ChallengeStore();
  const { door, pebble } = await rig(t, challenges);
  const dataDir = await tmpDir(t);
  const clock = new ManualClock(Date.now());
  const events: CertEvent[] = [];
  const cm = manager({ dataDir, pebble, door, challenges, clock });
  cm.onDidChange((e) => events.push(e));
  assert.ok((await cm.renewNow()).ok);
  await cm.start();
  t.after(() => cm.stop());
  const oldSerial = (await peerCert(door, pebble.rootPem)).serialNumber;

  // Kill the CA while our challenge answer is being published, i.e. in the middle of the order.
  const setAlpn = challenges.setAlpn.bind(challenges);
  let killed = false;
  challenges.setAlpn = (name, ctx) => { setAlpn(name, ctx); if (!killed) { killed = true; void pebble.stopCa(); } };
  const r = await cm.renewNow({ force: true });
  assert.equal(r.ok, false);
  assert.ok(killed, 'the order reached the challenge before the CA went away');
  const attemptTimes = [clock.now()];
  const expected = RETRY_SCHEDULE_MS.slice(0, 8);
  for (let i = 0; i < expected.length; i++) {
    const ev = events.at(-1)!;
    assert.equal(ev.kind, 'cert-failed');
    assert.equal(ev.status.lastError?.code, 'acme-unreachable', ev.status.lastError?.message);
    assert.equal(Date.parse(ev.nextAttemptAt!) - attemptTimes.at(-1)!, expected[i], `retry ${i + 1}`);
    assert.equal((await peerCert(door, pebble.rootPem)).serialNumber, oldSerial, 'old certificate still served');
    const before = events.length;
    await clock.advance(expected[i]! - 1);
    assert.equal(events.length, before, 'no attempt before the scheduled time');
    await clock.advance(1);
    attemptTimes.push(clock.now());
    await waitFor(`attempt ${i + 2}`, () => events.length > before);
  }
  assert.equal(cm.getStatus()[0]!.state, 'valid', 'still valid while retrying');
  // The CA is back: the next scheduled attempt succeeds.
  challenges.setAlpn = setAlpn;
  await pebble.startCa();
  const before = events.length;
  await clock.advance(RETRY_SCHEDULE_MS[8]!);
  await waitFor('renewed after the CA came back', () => events.length > before && events.at(-1)!.kind === 'cert-renewed', 10_000);
  assert.notEqual((await peerCert(door, pebble.rootPem)).serialNumber, oldSerial);
});

test('a first order waits while beforeFirstOrder holds it back (nothing asked of the CA), and listeners hear each outcome once the attempt is over, never "renewing"', async (t) => {
  const challenges = new ChallengeStore();
  const { door, pebble } = await rig(t, challenges);
  const dataDir = await tmpDir(t);
  const clock = new ManualClock(Date.now());
  let pointsHere = false;
  const asked: string[][] = [];
  const cm = manager({
    dataDir, pebble, door, challenges, clock,
    beforeFirstOrder: async (names) => {
      asked.push(names);
      return pointsHere ? null : { message: `${HOST} has no A record yet, but this network's public address is 203.0.113.9.`, fix: `Point the A record of ${HOST} to 203.0.113.9.` };
    },
  });
  // What a listener (the service's status push) reads when told: the manager's own status at that moment.
  const heard: { kind: string; state: string; now: string }[] = [];
  cm.onDidChange((e) => heard.push({ kind: e.kind, state: e.status.state, now: cm.getStatus()[0]!.state }));
  const alpnSet: string[] = [];
  const setAlpn = challenges.setAlpn.bind(challenges);
  challenges.setAlpn = (name, ctx) => { alpnSet.push(name); setAlpn(name, ctx); };
  await cm.start();
  t.after(() => cm.stop());

  await clock.advance(0);
  await waitFor('the held-back attempt', () => heard.length === 1);
  assert.deepEqual(asked, [[HOST]]);
  assert.deepEqual(heard[0], { kind: 'cert-failed', state: 'failed', now: 'failed' });
  const held = cm.getStatus()[0]!;
  assert.equal(held.lastError?.code, 'dns-not-ready');
  assert.match(held.lastError?.fix ?? '', /A record of app\.example\.test to 203\.0\.113\.9/);
  assert.equal(held.lastError?.retryable, true, 'the retry schedule asks again');
  assert.deepEqual(alpnSet, [], 'no challenge was published: the CA was not asked');

  pointsHere = true;
  await clock.advance(RETRY_SCHEDULE_MS[0]!);
  await waitFor('the certificate', () => heard.length === 2, 20_000);
  assert.deepEqual(heard[1], { kind: 'cert-obtained', state: 'valid', now: 'valid' }, 'told after the attempt, with its outcome');
  assert.deepEqual(alpnSet, [HOST]);

  // Renewals of a certificate in use are not held back (it is not a first order).
  pointsHere = false;
  const renewed = await cm.renewNow({ force: true });
  assert.ok(renewed.ok, JSON.stringify(renewed));
  assert.equal(asked.length, 2);
  assert.deepEqual(heard[2], { kind: 'cert-renewed', state: 'valid', now: 'valid' });
});

test('rateLimited with Retry-After: the next attempt waits for the CA, not just the schedule', async (t) => {
  // pebble never rate-limits, so this one failure comes from an Issuer that answers as Let's Encrypt does.
  const dataDir = await tmpDir(t);
  const clock = new ManualClock(Date.now());
  let calls = 0;
  const issuer: Issuer = {
    issue: async () => {
      calls++;
      return { ok: false, error: { code: 'acme-rate-limited', retryable: true, retryAfterMs: 3 * 3600_000, message: 'The CA is rate-limiting this name.', fix: 'Wait.' } };
    },
    renewalInfo: async () => null,
  };
  const cm = new CertManager({
    domains: [HOST], acme: { directoryUrl: 'https://ca.invalid/dir', email: null, challenge: 'http-01', caFile: null, keyType: 'ecdsa-p256', eab: null, preflight: false },
    dns: { provider: null, resolver: null, ddns: false }, dataDir, secrets: new MemorySecretStore(), challenges: new ChallengeStore(), clock, logger: silentLogger, onCertificate: () => {}, issuer,
  });
  await cm.start();
  t.after(() => cm.stop());
  await clock.advance(0);
  await waitFor('first attempt', () => calls === 1);
  await waitFor('failure recorded', () => cm.getStatus()[0]!.lastError);
  assert.equal(Date.parse(cm.getStatus()[0]!.nextAttemptAt!) - clock.now(), 3 * 3600_000);
  await clock.advance(3 * 3600_000 - 1);
  assert.equal(calls, 1, 'nothing before Retry-After, although the schedule said 1 minute');
  await clock.advance(1);
  await waitFor('second attempt', () => calls === 2);
});

test('an unusable data directory is a reported, retried failure, not a crash', async (t) => {
  const dataDir = await tmpDir(t);
  // `certs` as a plain file: every read or write below it fails (ENOTDIR), as a broken or read-only disk would.
  await writeFile(join(dataDir, 'certs'), '');
  const clock = new ManualClock(Date.now());
  let calls = 0;
  const issuer: Issuer = { issue: async () => { calls++; return { ok: false, error: { code: 'never', retryable: true, message: 'not reached' } }; }, renewalInfo: async () => null };
  const cm = new CertManager({
    domains: [HOST], acme: { directoryUrl: 'https://ca.invalid/dir', email: null, challenge: 'http-01', caFile: null, keyType: 'ecdsa-p256', eab: null, preflight: false },
    dns: { provider: null, resolver: null, ddns: false }, dataDir, secrets: new MemorySecretStore(), challenges: new ChallengeStore(), clock, logger: silentLogger, onCertificate: () => {}, issuer,
  });
  const r = await cm.renewNow();
  assert.equal(r.ok, false, 'renewNow answers with an error value');
  if (!r.ok) assert.match(r.error.message, /ENOTDIR/);
  await cm.start();
  t.after(() => cm.stop());
  await clock.advance(0);
  await waitFor('failure recorded', () => cm.getStatus()[0]!.lastError);
  const st = cm.getStatus()[0]!;
  assert.equal(st.lastError?.retryable, true);
  assert.ok(st.nextAttemptAt, 'a retry is scheduled');
  assert.ok(clock.pending().length > 0, 'the scheduler is still armed');
  assert.equal(calls, 0, 'nothing was ordered without a lock');
});

test('stop() during a renewal check: no order is placed after stop returned', async (t) => {
  const dataDir = await tmpDir(t);
  // Any certificate with a matching key will do; the manager then asks the CA (ARI) when to renew.
  const pem = await placeholderCert(dataDir, [HOST]);
  await new CertStore(dataDir, [HOST]).save(pem, { domains: [HOST], issuedAt: new Date().toISOString(), directoryUrl: 'https://ca.invalid/dir' });
  const clock = new ManualClock(Date.now());
  let calls = 0;
  let asked = false;
  let answer: (w: { start: number; end: number; source: 'ari' }) => void = () => {};
  const issuer: Issuer = {
    issue: async () => { calls++; return { ok: false, error: { code: 'acme-failed', retryable: true, message: 'stand-in' } }; },
    // The CA is slow to answer; when it does, the window is already open.
    renewalInfo: () => { asked = true; return new Promise((r) => { answer = r; }); },
  };
  const cm = new CertManager({
    domains: [HOST], acme: { directoryUrl: 'https://ca.invalid/dir', email: null, challenge: 'http-01', caFile: null, keyType: 'ecdsa-p256', eab: null, preflight: false },
    dns: { provider: null, resolver: null, ddns: false }, dataDir, secrets: new MemorySecretStore(), challenges: new ChallengeStore(), clock, logger: silentLogger, onCertificate: () => {}, issuer,
  });
  await cm.start();
  await clock.advance(0);
  await waitFor('ARI asked', () => asked);
  await cm.stop();
  answer({ start: clock.now() - 2000, end: clock.now() - 1000, source: 'ari' });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls, 0, 'no order after stop()');
  assert.deepEqual(clock.pending(), [], 'nothing scheduled after stop()');
});

/** Move the clock in steps, each once the manager has armed its next poll (its lock attempts are real file I/O). */
async function drive(clock: ManualClock, stepMs: number, until: () => boolean, maxMs: number): Promise<void> {
  for (let moved = 0; moved < maxMs && !until(); moved += stepMs) {
    await waitFor('the next poll or the result', () => until() || clock.pending().length > 0);
    if (!until()) await clock.advance(stepMs);
  }
}

test('renewNow waits for another process\'s issuing lock on the injected clock, then issues or reports busy', async (t) => {
  const dataDir = await tmpDir(t);
  const clock = new ManualClock(Date.now());
  let calls = 0;
  const issuer: Issuer = { issue: async () => { calls++; return { ok: false, error: { code: 'acme-failed', retryable: true, message: 'stand-in' } }; }, renewalInfo: async () => null };
  const cm = new CertManager({
    domains: [HOST], acme: { directoryUrl: 'https://ca.invalid/dir', email: null, challenge: 'http-01', caFile: null, keyType: 'ecdsa-p256', eab: null, preflight: false },
    dns: { provider: null, resolver: null, ddns: false }, dataDir, secrets: new MemorySecretStore(), challenges: new ChallengeStore(), clock, logger: silentLogger, onCertificate: () => {}, issuer, lockWaitMs: 10_000,
  });
  const lockPath = new CertStore(dataDir, [HOST]).files.lock;
  const other = await new FileLock(lockPath).tryAcquire();
  assert.ok(other, 'the "other process" holds the lock');

  // Released while we wait: the order goes ahead at the next poll.
  let r1: Awaited<ReturnType<CertManager['renewNow']>> | undefined;
  void cm.renewNow().then((r) => { r1 = r; });
  await drive(clock, 250, () => r1 !== undefined, 5_000);
  assert.equal(r1, undefined, 'still waiting after 5 s of held lock');
  assert.equal(calls, 0, 'nothing ordered while the lock is held');
  await other.release();
  await drive(clock, 250, () => r1 !== undefined, 5_000);
  assert.equal(calls, 1);
  const done1 = r1!;
  assert.ok(!done1.ok);
  assert.equal(done1.error.code, 'acme-failed');

  // Never released: busy once the wait is over, and nothing ordered.
  const held = await new FileLock(lockPath).tryAcquire();
  t.after(() => held?.release());
  let r2: Awaited<ReturnType<CertManager['renewNow']>> | undefined;
  void cm.renewNow().then((r) => { r2 = r; });
  await drive(clock, 250, () => r2 !== undefined, 20_000);
  const done2 = r2!;
  assert.ok(!done2.ok);
  assert.equal(done2.error.code, 'cert-busy');
  assert.equal(calls, 1);
});

test('the chosen renewal time is kept beside the certificate: another process and a restart show the same one; a new certificate gets a new one', async (t) => {
  const { door, pebble, challenges } = await rig(t);
  const dataDir = await tmpDir(t);
  const first = manager({ dataDir, pebble, door, challenges, random: () => 0.1 });
  const issued = await first.renewNow();
  assert.ok(issued.ok, JSON.stringify(!issued.ok && issued.error));
  const chosen = first.getStatus()[0]!;
  assert.ok(chosen.nextAttemptAt && chosen.renewalWindow, JSON.stringify(chosen));
  assert.ok(Date.parse(chosen.obtainedAt!) <= Date.now() && Date.parse(chosen.obtainedAt!) >= Date.parse(chosen.notBefore!) - 3600_000, 'obtainedAt is when it was stored');

  // `portico cert show` in another process, or the service after a restart: a different random
  // source, the same time.
  const other = manager({ dataDir, pebble, door, challenges, random: () => 0.9 });
  const [shown] = await other.load();
  assert.equal(shown!.nextAttemptAt, chosen.nextAttemptAt);
  assert.deepEqual(shown!.renewalWindow, chosen.renewalWindow);

  // A damaged file is not trusted: a new time is chosen inside the window.
  await writeFile(join(dataDir, 'certs', HOST, 'renewal.json'), '{"serial": 1');
  const [again] = await manager({ dataDir, pebble, door, challenges, random: () => 0.9 }).load();
  const w = again!.renewalWindow!;
  assert.ok(Date.parse(again!.nextAttemptAt!) >= Date.parse(w.start) && Date.parse(again!.nextAttemptAt!) <= Date.parse(w.end));

  // A new certificate: a choice of its own, saved for the others.
  const renewed = await other.renewNow({ force: true });
  assert.ok(renewed.ok);
  const [after] = await manager({ dataDir, pebble, door, challenges, random: () => 0.5 }).load();
  assert.equal(after!.nextAttemptAt, other.getStatus()[0]!.nextAttemptAt);
  const serial = new X509Certificate(await readFile(join(dataDir, 'certs', HOST, 'cert.pem'))).serialNumber;
  assert.equal(JSON.parse(await readFile(join(dataDir, 'certs', HOST, 'renewal.json'), 'utf8')).serial, serial);
});
