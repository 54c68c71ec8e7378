import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { placeholderCert } from '../../../main/core/proxy/placeholder-cert.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';

test('placeholder: self-signed ECDSA P-256 for the domains, key 0600, stable across restarts, remade when domains change', async (t) => {
  const dir = await tmpDir(t);
  const a = await placeholderCert(dir, ['plex.example.com', 'overseerr.example.com']);
  const x = new X509Certificate(a.cert);
  assert.equal(x.subjectAltName, 'DNS:plex.example.com, DNS:overseerr.example.com');
  assert.match(x.subject, /CN=plex\.example\.com/);
  assert.match(x.subject, /placeholder/);
  assert.equal(x.verify(x.publicKey), true); // self-signed
  assert.equal(x.checkPrivateKey(createPrivateKey(a.key)), true);
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal((await stat(join(dir, 'placeholder', 'key.pem'))).mode & 0o777, 0o600);
  assert.deepEqual([x.ca, x.keyUsage], [false, ['1.3.6.1.5.5.7.3.1']], 'a server certificate, not a CA');
  assert.ok(x.validFromDate.getTime() <= Date.now() && x.validToDate.getTime() - Date.now() > 3649 * 86400_000, `${x.validFrom} – ${x.validTo}`);

  const again = await placeholderCert(dir, ['overseerr.example.com', 'plex.example.com']);
  assert.equal(again.cert, a.cert);
  const changed = await placeholderCert(dir, ['plex.example.com']);
  assert.notEqual(changed.cert, a.cert);
  assert.equal(new X509Certificate(changed.cert).subjectAltName, 'DNS:plex.example.com');
});

test('placeholder: dates on both sides of 2050 (UTCTime, then GeneralizedTime)', async (t) => {
  const dir = await tmpDir(t);
  const a = await placeholderCert(dir, ['late.example.com'], new Date('2049-12-01T12:00:00Z'));
  const x = new X509Certificate(a.cert);
  assert.deepEqual([x.validFromDate.toISOString(), x.validToDate.toISOString()], ['2049-12-01T11:00:00.000Z', '2059-11-29T12:00:00.000Z']);
  assert.equal(x.verify(x.publicKey), true);
});
