/**
 * The renewal time chosen for one certificate, kept on disk beside it: the time is a random
 * point inside the renewal window, so without this every process (the service, `portico cert
 * show`, a restart) would pick, and show, a different one. Tied to the certificate's serial: a
 * new certificate gets a new choice.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../support/atomic-file.ts';
import type { Logger } from '../support/logger.ts';
import type { RenewalWindow } from './renewal-policy.ts';

export interface ChosenRenewal {
  /** Serial number of the certificate the choice is for. */
  serial: string;
  /** When to renew (ms since the epoch), inside `window`. */
  at: number;
  window: RenewalWindow;
  /** When the window was last read (an ARI window is asked for again after a while). */
  checkedAt: number;
}

export class RenewalTime {
  private readonly file: string;
  private readonly log: Logger;

  constructor(o: { file: string; logger: Logger }) {
    this.file = o.file;
    this.log = o.logger;
  }

  /** The choice made for this serial, or null (none yet, another certificate's, or unreadable: choose again). */
  async load(serial: string): Promise<ChosenRenewal | null> {
    let c: ChosenRenewal;
    try {
      c = JSON.parse(await readFile(this.file, 'utf8')) as ChosenRenewal;
    } catch {
      return null;
    }
    const w = c?.window;
    const valid = c?.serial === serial && Number.isFinite(c.at) && Number.isFinite(c.checkedAt) && !!w
      && Number.isFinite(w.start) && Number.isFinite(w.end) && (w.source === 'ari' || w.source === 'lifetime');
    return valid ? { serial: c.serial, at: c.at, window: { start: w.start, end: w.end, source: w.source }, checkedAt: c.checkedAt } : null;
  }

  /** A failed write only costs consistency with other processes, never the renewal: warned, not thrown. */
  async save(c: ChosenRenewal): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(c, null, 2)).catch((e: unknown) => this.log.warn('could not save the chosen renewal time', { error: (e as Error).message }));
  }
}
