/**
 * The checks behind Portico's one health verdict. Every claim the tray, the dashboard and
 * `portico status` make is one of these results, each with a time and its evidence: the health
 * (health.ts) is `verdict()` over them and nothing else, so "All good" means that every check
 * that applies passed recently, and a check that did not run, or ran too long ago, is said so.
 *
 * Two kinds feed it. Component checks are read off the live status of the door, the certificate
 * manager, the Plex probe and the router (health.ts); probes are run by the service on a
 * schedule, after events that can change them, and on demand by Verify (service/checks.ts).
 */

/** The areas, in the order a verdict names them: a cause comes before its symptoms. */
export const CHECK_AREAS = ['setup', 'door', 'certificate', 'pms', 'plex', 'router', 'dns', 'outside', 'plex-published'] as const;
export type CheckArea = (typeof CHECK_AREAS)[number];

/** A check with a plain-words result and, when it failed, what to do. `ok: null` = not run / unknown. */
export interface Check {
  id: string;
  title: string;
  ok: boolean | null;
  /** The evidence: what was seen, in plain words. */
  detail: string;
  fix?: string;
  /** Which part of the setup it is about (absent: the Verify list only). */
  area?: CheckArea;
  /** When the result was established (ISO). Absent on a component check, which is always current. */
  at?: string;
  /** How bad a failure is: 'error' = remote access does not work; 'warning' (default) = needs the user. */
  severity?: 'error' | 'warning';
  /** ok is null because the check is under way (a first certificate, a router search, a probe). */
  running?: boolean;
  /** ok is null because the check does not apply to this setup (router handling off, …). */
  notApplicable?: boolean;
}

/** How long a probe's pass stays believable; after that it is shown as not checked recently. */
export const CHECK_MAX_AGE_MS: Record<CheckArea, number> = {
  setup: Infinity,
  door: Infinity,
  certificate: 2 * 3600_000,
  pms: 2 * 3600_000,
  plex: 2 * 3600_000,
  router: 2 * 3600_000,
  dns: 2 * 3600_000,
  // The CA is asked at most every few hours (its limits), so its answer lives longer.
  outside: 26 * 3600_000,
  'plex-published': 6 * 3600_000,
};

export type CheckVerdict =
  | { state: 'error' | 'warning'; check: Check }
  | { state: 'working'; check: Check }
  | { state: 'unchecked'; check: Check; stale: boolean }
  | { state: 'ok' };

const areaRank = (c: Check): number => (c.area ? CHECK_AREAS.indexOf(c.area) : CHECK_AREAS.length);
const byArea = (a: Check, b: Check): number => areaRank(a) - areaRank(b);

export function isStale(c: Check, now: number): boolean {
  if (!c.at || !c.area) return false;
  return now - Date.parse(c.at) > CHECK_MAX_AGE_MS[c.area];
}

/** A check that counts for the verdict: one that applies. */
const applies = (c: Check): boolean => !c.notApplicable;

/**
 * The verdict over all checks: a failure with severity error, then any other failure, then work
 * under way, then a check that has not run or is stale; "ok" only when none of those is left.
 * Within a level the first area wins (CHECK_AREAS), and a stable sort keeps the given order inside
 * an area (component checks before probes).
 */
export function verdict(checks: readonly Check[], now: number): CheckVerdict {
  const list = checks.filter(applies).sort(byArea);
  const failing = list.filter((c) => c.ok === false);
  const error = failing.find((c) => c.severity === 'error');
  if (error) return { state: 'error', check: error };
  if (failing[0]) return { state: 'warning', check: failing[0] };
  const running = list.find((c) => c.ok === null && c.running);
  if (running) return { state: 'working', check: running };
  const unchecked = list.find((c) => c.ok === null);
  if (unchecked) return { state: 'unchecked', check: unchecked, stale: false };
  const stale = list.find((c) => isStale(c, now));
  if (stale) return { state: 'unchecked', check: stale, stale: true };
  return { state: 'ok' };
}
