import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { DataDir } from '../support/data-dir.ts';

/**
 * The headless UI's session token: fresh at every start, saved 0600 in dataDir so that
 * `portico status` (same user) can call the API, and printed once by `portico serve`.
 */
export const UiToken = {
  async create(dataDir: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await writeFileAtomic(new DataDir(dataDir).uiToken, token + '\n', 0o600);
    return token;
  },

  /** The token of the running service, or undefined when there is none (service never started here). */
  async read(dataDir: string): Promise<string | undefined> {
    try {
      const t = (await readFile(new DataDir(dataDir).uiToken, 'utf8')).trim();
      return t || undefined;
    } catch {
      return undefined;
    }
  },

  /** Constant-time comparison; hashing first makes the lengths equal without leaking the length. */
  matches(expected: string, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const a = createHash('sha256').update(expected).digest();
    const b = createHash('sha256').update(presented).digest();
    return timingSafeEqual(a, b);
  },
};
