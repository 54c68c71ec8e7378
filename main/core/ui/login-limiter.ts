import type { Clock } from '../support/clock.ts';

/** Wrong passwords allowed from one address before it has to wait. */
export const FREE_FAILURES = 5;
/** The first wait; each further failure doubles it, up to MAX_WAIT_MS. */
export const FIRST_WAIT_MS = 30_000;
export const MAX_WAIT_MS = 15 * 60_000;
/** An address that stopped failing is forgotten after this long. */
const FORGET_MS = 24 * 60 * 60_000;
/** Addresses remembered at once; the oldest go first, so a flood cannot grow memory. */
const MAX_ADDRESSES = 10_000;

interface Entry { failures: number; last: number; inFlight: number }

/**
 * The login limit, per client address: FREE_FAILURES wrong passwords, then a wait that doubles
 * with every further failure (30 s, 1 min, 2 min… at most 15 min); a right password clears it.
 * An attempt counts from the moment it starts, so a burst of parallel guesses gets no more tries
 * than one after another.
 */
export class LoginLimiter {
  private readonly clock: Clock;
  private readonly entries = new Map<string, Entry>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /**
   * Start an attempt: `wait` (ms) when this address must wait first, else a `done(ok)` to call with
   * the outcome.
   */
  begin(address: string): { wait: number } | { done: (ok: boolean) => void } {
    const now = this.clock.now();
    const key = addressKey(address);
    let e = this.entries.get(key);
    if (e && e.inFlight === 0 && now - e.last > FORGET_MS) e = undefined;
    e ??= { failures: 0, last: now, inFlight: 0 };
    const counted = e.failures + e.inFlight;
    if (counted >= FREE_FAILURES) {
      const wait = e.last + waitAfter(counted) - now;
      if (wait > 0) return { wait };
    }
    e.inFlight++;
    this.remember(key, e);
    let settled = false;
    return {
      done: (ok) => {
        if (settled) return;
        settled = true;
        e.inFlight--;
        if (ok) {
          e.failures = 0;
          if (e.inFlight === 0) this.entries.delete(key);
          return;
        }
        e.failures++;
        e.last = this.clock.now();
        this.remember(key, e);
      },
    };
  }

  private remember(key: string, e: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > MAX_ADDRESSES) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** How long to wait after `failures` wrong passwords (0 while they are free). */
export function waitAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(FIRST_WAIT_MS * 2 ** (failures - FREE_FAILURES), MAX_WAIT_MS);
}

/** A wait in words, rounded up: "30 seconds", "1 minute", "15 minutes". */
export function waitWords(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** IPv4 (and IPv4-mapped) per address; IPv6 per /64, since one device can pick any address in its /64. */
function addressKey(address: string): string {
  const a = plainAddress(address);
  if (!a.includes(':')) return a;
  const [head = '', tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const full = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** A peer address as one device: lower case, without an IPv6 zone, an IPv4-mapped address as IPv4. */
export function plainAddress(address: string): string {
  return address.toLowerCase().replace(/%.*$/, '').replace(/^::ffff:(?=\d+\.)/, '');
}
