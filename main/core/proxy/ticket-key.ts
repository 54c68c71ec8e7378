import { open, constants } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../support/atomic-file.ts';

/** What Node's `ticketKeys` takes: 16 bytes name, 16 HMAC, 16 AES. */
export const TICKET_KEY_BYTES = 48;
/**
 * A new key every day, as nginx setups rotate `ssl_session_ticket_key`: whoever reads a key can
 * decrypt the TLS 1.2 sessions it sealed, so one key never covers more than a day of traffic.
 */
export const TICKET_KEY_MAX_AGE_MS = 24 * 60 * 60_000;

/**
 * The session-ticket key the door seals tickets with, kept in the data directory (0600) so a
 * client resumes its session after a restart instead of doing a full handshake. `load` reuses the
 * file while it is younger than a day and makes a new one otherwise (missing, wrong size, a link).
 */
export class TicketKey {
  readonly key: Buffer;
  /** When the key was made (ms since the epoch); it is replaced TICKET_KEY_MAX_AGE_MS later. */
  readonly createdAt: number;

  private constructor(key: Buffer, createdAt: number) {
    this.key = key;
    this.createdAt = createdAt;
  }

  get rotatesAt(): number {
    return this.createdAt + TICKET_KEY_MAX_AGE_MS;
  }

  static async load(path: string, now: number): Promise<TicketKey> {
    const held = await readKey(path);
    if (held && held.key.length === TICKET_KEY_BYTES && held.createdAt <= now && now < held.createdAt + TICKET_KEY_MAX_AGE_MS) {
      return new TicketKey(held.key, held.createdAt);
    }
    return TicketKey.create(path, now);
  }

  /** A new key, written before it is used (a crash never leaves tickets sealed with a lost key). */
  static async create(path: string, now: number): Promise<TicketKey> {
    const key = randomBytes(TICKET_KEY_BYTES);
    await writeFileAtomic(path, key, 0o600);
    return new TicketKey(key, now);
  }
}

/** The key file and its age (mtime), or null when there is none; a symbolic link is not followed (ELOOP: made anew). */
async function readKey(path: string): Promise<{ key: Buffer; createdAt: number } | null> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ELOOP') return null;
    throw e;
  }
  try {
    const [key, st] = await Promise.all([fh.readFile(), fh.stat()]);
    return st.isFile() ? { key, createdAt: st.mtimeMs } : null;
  } finally {
    await fh.close();
  }
}
