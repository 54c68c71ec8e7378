/**
 * When to renew and when to try again, as pure functions of time (the scheduler in
 * cert-manager.ts applies them with the injected clock). Modelled on certmagic.
 */
const MIN = 60_000, HOUR = 60 * MIN;

/** Fixed, growing retry schedule after a failed attempt; after the last entry, every 6 h. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  1 * MIN, 2 * MIN, 2 * MIN, 5 * MIN,
  10 * MIN, 10 * MIN, 10 * MIN,
  20 * MIN, 20 * MIN, 20 * MIN, 20 * MIN,
  30 * MIN, 30 * MIN, 30 * MIN, 30 * MIN, 30 * MIN, 30 * MIN,
  1 * HOUR, 1 * HOUR, 1 * HOUR,
  2 * HOUR, 2 * HOUR,
  3 * HOUR, 3 * HOUR,
];
export const RETRY_CEILING_MS = 6 * HOUR;

/** How often the scheduler looks at the certificate. */
export const CHECK_INTERVAL_MS = 10 * MIN;

/** Renew when this share of the lifetime is left (certmagic's DefaultRenewalWindowRatio). */
const RENEWAL_RATIO = 1 / 3;
/** Renew at once, ignoring ARI and the random point, when this share of the lifetime is left. */
const EMERGENCY_RATIO = 1 / 10;

/** Delay before retry number `failures` (1 = after the first failure). */
export function retryDelay(failures: number): number {
  return RETRY_SCHEDULE_MS[Math.max(0, failures - 1)] ?? RETRY_CEILING_MS;
}

export interface Lifetime { notBefore: number; notAfter: number }
export interface RenewalWindow { start: number; end: number; source: 'ari' | 'lifetime' }

/** The default window: opens when a third of the lifetime is left, closes a ninth of the lifetime later. */
export function lifetimeWindow(c: Lifetime): RenewalWindow {
  const life = c.notAfter - c.notBefore;
  const start = c.notAfter - life * RENEWAL_RATIO;
  return { start, end: start + life / 9, source: 'lifetime' };
}

/** A point inside the window (RFC 9773 asks clients to pick one at random to spread load). */
export function pickRenewalTime(w: RenewalWindow, random: () => number): number {
  return Math.floor(w.start + (w.end - w.start) * Math.min(Math.max(random(), 0), 1));
}

export function isEmergency(c: Lifetime, now: number): boolean {
  return c.notAfter - now <= (c.notAfter - c.notBefore) * EMERGENCY_RATIO;
}
