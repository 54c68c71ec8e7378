/**
 * Secrets (Plex token, ACME account key, DNS tokens) encrypted with the OS keychain through
 * Electron's safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux), kept
 * as base64 ciphertext in one 0600 JSON file. safeStorage is passed in, so this file has no
 * runtime dependency on Electron.
 */
import type { SafeStorage } from 'electron';
import { FileSecretStore, type SecretCodec } from '../core/support/secret-store.ts';

export type AsyncSafeStorage = Pick<SafeStorage, 'encryptStringAsync' | 'decryptStringAsync' | 'isAsyncEncryptionAvailable'>;

export class SafeStorageSecretStore extends FileSecretStore {
  constructor(path: string, safe: AsyncSafeStorage) {
    super(path, safeStorageCodec(safe));
  }
}

function safeStorageCodec(safe: AsyncSafeStorage): SecretCodec {
  const ensureAvailable = async () => {
    if (!(await safe.isAsyncEncryptionAvailable())) {
      throw new Error('The system keychain is not available, so Portico cannot store secrets safely. On Linux, install and unlock a keyring (gnome-keyring or KWallet), then restart Portico.');
    }
  };
  return {
    label: 'encrypted secret store',
    async encode(plain) {
      await ensureAvailable();
      return (await safe.encryptStringAsync(plain)).toString('base64');
    },
    async decode(stored) {
      await ensureAvailable();
      // shouldReEncrypt: the OS rotated its key, so the store writes the secret again under the new one.
      const { result, shouldReEncrypt } = await safe.decryptStringAsync(Buffer.from(stored, 'base64'));
      return { plain: result, stale: shouldReEncrypt };
    },
  };
}
