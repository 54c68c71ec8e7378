import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { pkcs12Passphrase } from '../../../main/core/certs/pkcs12-passphrase.ts';

test('one passphrase per certificate directory, made once, kept in the secret store', async () => {
  const secrets = new MemorySecretStore();
  const a = await pkcs12Passphrase(secrets, '/data/certs/a.example.com');
  assert.match(a, /^[A-Za-z0-9_-]{24}$/, '18 random bytes, base64url');
  assert.equal(await pkcs12Passphrase(secrets, '/data/certs/a.example.com'), a, 'the same across renewals');
  assert.equal(await secrets.get('pkcs12-passphrase:/data/certs/a.example.com'), a);
  assert.notEqual(await pkcs12Passphrase(secrets, '/data/certs/b.example.com'), a);
});
