/**
 * A lock file so two Portico processes never do the same job at once (the service and `portico
 * cert renew` issuing for the same names; two `portico plex apply|undo` writing the undo record). The file holds the owner's pid, a random token and the time; a
 * lock whose process is gone, or that is older than `staleMs`, is taken over.
 */
import { link, open, readFile, unlink, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sleep, type Clock } from './clock.ts';

export interface HeldLock { release(): Promise<void> }

interface LockBody { pid: number; token: string; at: number }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileLock {
  private readonly path: string;
  private readonly staleMs: number;
  private readonly now: () => number;

  constructor(path: string, opts: { staleMs?: number; now?: () => number } = {}) {
    this.path = path;
    this.staleMs = opts.staleMs ?? 30 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Take the lock, waiting up to `waitMs` (on `clock`) for another owner to let go; null when it never did. */
  async acquire(clock: Clock, waitMs: number, pollMs = 250): Promise<HeldLock | null> {
    let held = await this.tryAcquire();
    const until = clock.now() + waitMs;
    while (!held && clock.now() < until) {
      await sleep(clock, Math.min(pollMs, until - clock.now()));
      held = await this.tryAcquire();
    }
    return held;
  }

  /** Take the lock if free (or stale); null when another live owner holds it. */
  async tryAcquire(): Promise<HeldLock | null> {
    await mkdir(dirname(this.path), { recursive: true });
    const body: LockBody = { pid: process.pid, token: randomBytes(12).toString('hex'), at: this.now() };
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written in full to a private file first, then hard-linked into place: the lock appears
      // atomically with its content, so another process never reads a half-written lock and
      // mistakes it for a stale one.
      const tmp = `${this.path}.${body.token}.tmp`;
      const fh = await open(tmp, 'wx', 0o600);
      try { await fh.writeFile(JSON.stringify(body)); await fh.sync(); } finally { await fh.close(); }
      try {
        await link(tmp, this.path);
        return { release: () => this.release(body.token) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        await unlink(tmp).catch(() => {});
      }
      const holder = await this.read();
      const stale = !holder || !alive(holder.pid) || this.now() - holder.at > this.staleMs;
      if (!stale) return null;
      await unlink(this.path).catch(() => {});
    }
    return null;
  }

  private async read(): Promise<LockBody | null> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as LockBody;
    } catch {
      return null; // gone, or corrupt (it is never half-written): treat as stale
    }
  }

  private async release(token: string): Promise<void> {
    const holder = await this.read();
    if (holder?.token === token) await unlink(this.path).catch(() => {});
  }
}
