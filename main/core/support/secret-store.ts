import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.ts';
import { SerialQueue } from './serial-queue.ts';

/**
 * Where secrets live: the ACME account key, the Plex token, DNS API tokens. The Electron app backs
 * this with safeStorage (Keychain/DPAPI); headless mode with a 0600 JSON file.
 */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/**
 * How a secret is kept in the file. Without one, secrets are stored as they are; the Electron app
 * passes one that encrypts with the OS keychain.
 */
export interface SecretCodec {
  /** What to call the file in errors, e.g. 'encrypted secret store'. */
  readonly label: string;
  encode(plain: string): Promise<string>;
  /** `stale`: the stored form is outdated (e.g. a rotated key), so the store writes it again. */
  decode(stored: string): Promise<{ plain: string; stale: boolean }>;
}

/** One JSON object in a file only the owner can read (0600); plain by default (headless mode). */
export class FileSecretStore implements SecretStore {
  private readonly path: string;
  private readonly codec: SecretCodec | undefined;
  private cache: Record<string, string> | undefined;
  private readonly writes = new SerialQueue();

  constructor(path: string, codec?: SecretCodec) {
    this.path = path;
    this.codec = codec;
  }

  private async load(): Promise<Record<string, string>> {
    if (this.cache) return this.cache;
    const what = this.codec?.label ?? 'secret store';
    try {
      const parsed: unknown = JSON.parse(await readNoFollow(this.path));
      this.cache = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') {
        throw new Error(`The ${what} ${this.path} is a symbolic link; Portico does not follow links for secrets, since a link lets someone else choose where tokens and keys are read and written. Replace the link with the file it points to (or remove it and sign in again).`, { cause: e });
      }
      if (code !== 'ENOENT') {
        throw new Error(`The ${what} ${this.path} is unreadable (${(e as Error).name}); move it aside and sign in again to recreate it.`, { cause: e });
      }
      this.cache = {};
    }
    return this.cache;
  }

  async get(name: string): Promise<string | undefined> {
    const stored = (await this.load())[name];
    if (stored === undefined || !this.codec) return stored;
    const { plain, stale } = await this.codec.decode(stored);
    if (stale) await this.set(name, plain);
    return plain;
  }

  set(name: string, value: string): Promise<void> {
    return this.mutate(async (s) => { s[name] = this.codec ? await this.codec.encode(value) : value; });
  }

  delete(name: string): Promise<void> {
    return this.mutate(async (s) => { delete s[name]; });
  }

  private mutate(fn: (s: Record<string, string>) => Promise<void>): Promise<void> {
    return this.writes.run(async () => {
      const s = { ...(await this.load()) };
      await fn(s);
      await writeFileAtomic(this.path, JSON.stringify(s, null, 2), 0o600);
      this.cache = s;
    });
  }
}

/** Read a file, refusing (ELOOP) when its last component is a symbolic link. Windows has no O_NOFOLLOW. */
async function readNoFollow(path: string): Promise<string> {
  const fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try { return await fh.readFile('utf8'); } finally { await fh.close(); }
}

/** In-memory store for tests and demo mode. */
export class MemorySecretStore implements SecretStore {
  private readonly m = new Map<string, string>();
  async get(name: string) { return this.m.get(name); }
  async set(name: string, value: string) { this.m.set(name, value); }
  async delete(name: string) { this.m.delete(name); }
}
