/**
 * SafeStorageSecretStore over a stand-in for Electron's safeStorage (AES-256-GCM with a key only
 * the test holds, standing in for the OS keychain): real files, real encryption.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { SafeStorageSecretStore, type AsyncSafeStorage } from '../../main/app/safe-storage-secret-store.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';

function keychain(opts: { available?: boolean } = {}) {
  const key = randomBytes(32);
  let rotated = false;
  const safe: AsyncSafeStorage = {
    isAsyncEncryptionAvailable: async () => opts.available ?? true,
    encryptStringAsync: async (plain) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptStringAsync: async (buf) => {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return { result: Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8'), shouldReEncrypt: rotated };
    },
  };
  return { safe, rotate: () => { rotated = true; }, settle: () => { rotated = false; } };
}

test('secrets round-trip, and the file holds ciphertext only, mode 0600', async (t) => {
  const dir = await tmpDir(t);
  const { safe } = keychain();
  const store = new SafeStorageSecretStore(`${dir}/secrets.json`, safe);
  await store.set('plex-token', 'plex-secret-token-value');
  await store.set('dns:cloudflare', 'cf-token-123');
  assert.equal(await store.get('plex-token'), 'plex-secret-token-value');
  const raw = await readFile(`${dir}/secrets.json`, 'utf8');
  assert.ok(!raw.includes('plex-secret-token-value') && !raw.includes('cf-token-123'), 'no plaintext on disk');
  assert.equal((await stat(`${dir}/secrets.json`)).mode & 0o777, 0o600);
  // A fresh instance (app restart) reads the same file.
  const again = new SafeStorageSecretStore(`${dir}/secrets.json`, safe);
  assert.equal(await again.get('dns:cloudflare'), 'cf-token-123');
  await again.delete('dns:cloudflare');
  assert.equal(await again.get('dns:cloudflare'), undefined);
  assert.equal(await again.get('never-set'), undefined);
});

test('a rotated OS key makes the store write the secret again', async (t) => {
  const dir = await tmpDir(t);
  const k = keychain();
  const store = new SafeStorageSecretStore(`${dir}/s.json`, k.safe);
  await store.set('acme-account-key', 'KEY');
  const before = await readFile(`${dir}/s.json`, 'utf8');
  k.rotate();
  assert.equal(await store.get('acme-account-key'), 'KEY');
  k.settle();
  assert.notEqual(await readFile(`${dir}/s.json`, 'utf8'), before, 're-encrypted');
  assert.equal(await store.get('acme-account-key'), 'KEY');
});

test('without a keychain nothing is written and the error says how to fix it', async (t) => {
  const dir = await tmpDir(t);
  const store = new SafeStorageSecretStore(`${dir}/s.json`, keychain({ available: false }).safe);
  await assert.rejects(store.set('x', 'y'), /keychain is not available.*install and unlock a keyring/);
  await assert.rejects(readFile(`${dir}/s.json`), { code: 'ENOENT' });
});

test('a corrupt store file is reported with what to do', async (t) => {
  const dir = await tmpDir(t);
  await writeFile(`${dir}/s.json`, '{not json');
  const store = new SafeStorageSecretStore(`${dir}/s.json`, keychain().safe);
  await assert.rejects(store.get('x'), /unreadable .*move it aside/);
});
