/**
 * Secrets (Plex token, ACME account key, DNS tokens) encrypted with the OS keychain through
 * Electron's safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux), kept
 * as base64 ciphertext in one 0600 JSON file. safeStorage is passed in, so this file has no
 * runtime dependency on Electron.
 */
import { readFile } from 'node:fs/promises';
import type { SafeStorage } from 'electron';
import { writeFileAtomic } from '../core/atomic-file.ts';
import type { SecretStore } from '../core/secret-store.ts';

export type AsyncSafeStorage = Pick<SafeStorage, 'encryptStringAsync' | 'decryptStringAsync' | 'isAsyncEncryptionAvailable'>;

export class SafeStorageSecretStore implements SecretStore {
  private readonly path: string;
  private readonly safe: AsyncSafeStorage;
  private cache: Record<string, string> | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(path: string, safe: AsyncSafeStorage) {
    this.path = path;
    this.safe = safe;
  }

  private async load(): Promise<Record<string, string>> {
    if (this.cache) return this.cache;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      this.cache = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`The encrypted secret store ${this.path} is unreadable (${(e as Error).name}); move it aside and sign in again to recreate it.`, { cause: e });
      }
      this.cache = {};
    }
    return this.cache;
  }

  private async ensureAvailable(): Promise<void> {
    if (!(await this.safe.isAsyncEncryptionAvailable())) {
      throw new Error('The system keychain is not available, so Portico cannot store secrets safely. On Linux, install and unlock a keyring (gnome-keyring or KWallet), then restart Portico.');
    }
  }

  async get(name: string): Promise<string | undefined> {
    const enc = (await this.load())[name];
    if (enc === undefined) return undefined;
    await this.ensureAvailable();
    const { result, shouldReEncrypt } = await this.safe.decryptStringAsync(Buffer.from(enc, 'base64'));
    // The OS rotated its key: store the secret again under the new one.
    if (shouldReEncrypt) await this.set(name, result);
    return result;
  }

  set(name: string, value: string): Promise<void> {
    return this.mutate(async (s) => {
      await this.ensureAvailable();
      s[name] = (await this.safe.encryptStringAsync(value)).toString('base64');
    });
  }

  delete(name: string): Promise<void> {
    return this.mutate(async (s) => { delete s[name]; });
  }

  private mutate(fn: (s: Record<string, string>) => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      const s = { ...(await this.load()) };
      await fn(s);
      await writeFileAtomic(this.path, JSON.stringify(s, null, 2), 0o600);
      this.cache = s;
    });
    this.queue = run.catch(() => {});
    return run;
  }
}
