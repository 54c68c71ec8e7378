import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.ts';

/**
 * Where secrets live: the ACME account key, the Plex token, DNS API tokens. The Electron app backs
 * this with safeStorage (Keychain/DPAPI); headless mode with a 0600 JSON file.
 */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Headless secret store: one JSON object in a file only the owner can read (0600). */
export class FileSecretStore implements SecretStore {
  private readonly path: string;
  private cache: Record<string, string> | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  private async load(): Promise<Record<string, string>> {
    if (this.cache) return this.cache;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      this.cache = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`The secret store ${this.path} is unreadable (${(e as Error).name}); move it aside and sign in again to recreate it.`, { cause: e });
      }
      this.cache = {};
    }
    return this.cache;
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.load())[name];
  }

  set(name: string, value: string): Promise<void> {
    return this.mutate((s) => { s[name] = value; });
  }

  delete(name: string): Promise<void> {
    return this.mutate((s) => { delete s[name]; });
  }

  private mutate(fn: (s: Record<string, string>) => void): Promise<void> {
    const run = this.queue.then(async () => {
      const s = { ...(await this.load()) };
      fn(s);
      await writeFileAtomic(this.path, JSON.stringify(s, null, 2), 0o600);
      this.cache = s;
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

/** In-memory store for tests and demo mode. */
export class MemorySecretStore implements SecretStore {
  private readonly m = new Map<string, string>();
  async get(name: string) { return this.m.get(name); }
  async set(name: string, value: string) { this.m.set(name, value); }
  async delete(name: string) { this.m.delete(name); }
}
