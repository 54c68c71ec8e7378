import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { DataDir } from '../support/data-dir.ts';

/** 32 random bytes, base64url: what create() writes; anything else in the file is replaced. */
const WELL_FORMED = /^[A-Za-z0-9_-]{43}$/;

/**
 * The headless dashboard's session token, kept 0600 in dataDir: the same across restarts, so
 * open tabs and bookmarks keep working, until someone rotates it (`portico ui-link --rotate`,
 * or the dashboard's Advanced section). `portico status` and `portico ui-link` read it.
 */
export const UiToken = {
  /** A new token, written over the old one: every link given out so far stops working. */
  async create(dataDir: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await writeFileAtomic(new DataDir(dataDir).uiToken, token + '\n', 0o600);
    return token;
  },

  /** The saved token when it is well-formed; otherwise (missing, empty, damaged) a new one. */
  async load(dataDir: string): Promise<{ token: string; created: boolean }> {
    const saved = await UiToken.read(dataDir);
    if (saved !== undefined && WELL_FORMED.test(saved)) return { token: saved, created: false };
    return { token: await UiToken.create(dataDir), created: true };
  },

  /** The saved token, or undefined when there is none (the service never ran with this data directory). */
  async read(dataDir: string): Promise<string | undefined> {
    try {
      const t = (await readFile(new DataDir(dataDir).uiToken, 'utf8')).trim();
      return t || undefined;
    } catch {
      return undefined;
    }
  },

  /** The dashboard link for a token: it travels in the fragment, which browsers never send to servers. */
  link(port: number, token: string): string {
    return `http://127.0.0.1:${port}/#token=${token}`;
  },

  /** Constant-time comparison; hashing first makes the lengths equal without leaking the length. */
  matches(expected: string, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const a = createHash('sha256').update(expected).digest();
    const b = createHash('sha256').update(presented).digest();
    return timingSafeEqual(a, b);
  },
};
