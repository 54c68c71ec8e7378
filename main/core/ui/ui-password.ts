import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { DataDir } from '../support/data-dir.ts';
import { MAX_PASSWORD_LENGTH, passwordProblem } from '../../shared/lan-password.ts';

/**
 * scrypt's cost, as OWASP's password storage cheat sheet lists it: N=2^15, r=8, p=3 is as strong
 * as its first choice (N=2^17, p=1) with a quarter of the memory (32 MiB per check), which suits
 * a NAS. About 0.1-0.3 s per check; the parameters are stored with each hash, so raising them
 * later leaves old hashes readable.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;

/** What `<dataDir>/ui-password` holds: the hash and how to recompute it, never the password. */
export interface PasswordRecord {
  scheme: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
  /** base64, KEY_LENGTH bytes */
  hash: string;
  /** When it was set (ISO), shown as "password set on …". */
  setAt: string;
}

/**
 * The password of the dashboard on the local network, kept as an scrypt hash with a random salt
 * in `<dataDir>/ui-password` (0600). Checked in constant time; the password itself is never
 * stored, logged or sent back.
 */
export const UiPassword = {
  async hash(password: string, now: Date = new Date()): Promise<PasswordRecord> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, SCRYPT_PARAMS);
    return { scheme: 'scrypt', ...SCRYPT_PARAMS, salt: salt.toString('base64'), hash: key.toString('base64'), setAt: now.toISOString() };
  },

  /** Hash and save (atomically, 0600): the previous password stops working. */
  async save(dataDir: string, password: string): Promise<PasswordRecord> {
    const problem = passwordProblem(password);
    if (problem) throw new Error(problem);
    const record = await UiPassword.hash(password);
    await writeFileAtomic(new DataDir(dataDir).uiPassword, JSON.stringify(record) + '\n', 0o600);
    return record;
  },

  /** The saved record; undefined when none is set, or the file is not one we wrote (then set a new password). */
  async load(dataDir: string): Promise<PasswordRecord | undefined> {
    let text: string;
    try {
      text = await readFile(new DataDir(dataDir).uiPassword, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const r = JSON.parse(text) as Partial<PasswordRecord>;
      const wellFormed = r.scheme === 'scrypt' && [r.N, r.r, r.p].every((n) => Number.isInteger(n) && (n as number) > 0)
        && typeof r.salt === 'string' && typeof r.hash === 'string' && Buffer.from(r.hash, 'base64').length === KEY_LENGTH;
      return wellFormed ? (r as PasswordRecord) : undefined;
    } catch {
      return undefined;
    }
  },

  /** Whether `password` is the one the record was made from, compared in constant time. */
  async verify(record: PasswordRecord, password: string): Promise<boolean> {
    if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return false;
    const key = await derive(password, Buffer.from(record.salt, 'base64'), record);
    const expected = Buffer.from(record.hash, 'base64');
    return key.length === expected.length && timingSafeEqual(key, expected);
  },
};

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default ceiling (32 MiB) is exactly that for our N and r, so leave headroom.
  const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, opts, (e, key) => (e ? reject(e) : resolve(key)));
  });
}
