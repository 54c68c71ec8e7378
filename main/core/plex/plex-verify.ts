/**
 * Proof that the Plex side works, one plain-words check at a time: the prefs read back, PMS's
 * own reachability verdict, plex.tv publishing our URL, and a request through the door reaching
 * this PMS. Each check says what it saw and what to do; status changes go through `onStatus`.
 */
import type { Check } from '../../shared/api.ts';
import type { PlexStatus } from '../../shared/status/plex.ts';
import type { Clock } from '../support/clock.ts';
import { httpText, type HttpText } from '../support/http-text.ts';
import type { PmsClient, PrefValue } from './pms-client.ts';
import { parsePmsIdentity } from './pms-client.ts';
import type { PlexTvClient } from './plex-tv-client.ts';
import { connectionKey, missingUrls, samePref } from './plex-settings-plan.ts';
import { notOwnerError } from './plex-tv-sign-in.ts';

export interface VerifyOptions {
  /** Public URL of the door, e.g. https://plex.example.com:443 (fetched as GET <doorUrl>/identity). */
  doorUrl?: string;
  /** Instead of fetching doorUrl: a function that requests `path` through the door (its own listener on this machine, tests). */
  doorProbe?: (path: string) => Promise<{ status: number; body: string }>;
  /** Where doorProbe goes, in the check's words (e.g. "https://plex.example.com through the door at 127.0.0.1:8443"). */
  doorWhere?: string;
}

export interface VerifyContext {
  pmsUrl: string;
  /** URLs Portico publishes. */
  urls: string[];
  clock: Clock;
  /** The HTTP client (tests wrap the real one). */
  http?: HttpText;
  /** How long to wait for PMS to re-check reachability. */
  reachabilityPoll: { everyMs: number; attempts: number };
  onStatus: (patch: Partial<PlexStatus>) => void;
}

const MAPPING_TITLE = 'Remote access (as Plex sees it)';

/** PMS still lists our URLs and the values Portico applied (from the undo record). */
export async function prefsCheck(x: VerifyContext, pms: PmsClient, applied: Record<string, PrefValue>): Promise<Check> {
  const title = 'Plex settings read back';
  const prefs = await pms.getPrefs();
  if (!prefs.ok) return { id: 'plex-prefs', title, ok: false, detail: prefs.error.message, fix: prefs.error.fix };
  const want: Record<string, PrefValue> = { ...applied };
  const missing = missingUrls(prefs.value, x.urls);
  delete want.customConnections;
  const wrong = Object.entries(want).filter(([id, v]) => !samePref(prefs.value.find((s) => s.id === id)?.value ?? '', v)).map(([id]) => id);
  if (missing.length || wrong.length) {
    const parts = [missing.length ? `"Custom server access URLs" does not contain ${missing.join(', ')}` : '', wrong.length ? `${wrong.join(', ')} no longer have Portico's values` : ''].filter(Boolean);
    x.onStatus({ applied: false });
    return { id: 'plex-prefs', title, ok: false, detail: `${parts.join('; ')}.`, fix: 'Apply the Plex settings again (portico plex apply).' };
  }
  x.onStatus({ applied: true, state: 'configured' });
  return { id: 'plex-prefs', title, ok: true, detail: `Plex Media Server lists ${x.urls.join(', ')} under "Custom server access URLs"${Object.keys(want).length ? ` and keeps ${Object.keys(want).join(', ')}` : ''}.` };
}

/** Ask PMS to re-check reachability (PUT refreshReachability), wait for the answer, explain it. */
export async function mappingAfterRefresh(x: VerifyContext, pms: PmsClient): Promise<Check> {
  const r = await pms.refreshReachability();
  if (!r.ok) {
    // Older servers may refuse the refresh: report the state PMS already has.
    const a = await pms.account();
    return a.ok ? mappingCheck(a.value) : { id: 'plex-mapping', title: MAPPING_TITLE, ok: false, detail: a.error.message, fix: a.error.fix };
  }
  const { everyMs, attempts } = x.reachabilityPoll;
  for (let i = 0; i < attempts; i++) {
    await new Promise<void>((resolve) => x.clock.setTimer(resolve, everyMs));
    const a = await pms.account();
    if (!a.ok) return { id: 'plex-mapping', title: MAPPING_TITLE, ok: false, detail: a.error.message, fix: a.error.fix };
    if (a.value.mappingState === 'waiting') continue;
    x.onStatus({ mappingState: a.value.mappingState });
    return mappingCheck(a.value);
  }
  return { id: 'plex-mapping', title: MAPPING_TITLE, ok: null, detail: `Plex Media Server was still checking remote access after ${Math.round((everyMs * attempts) / 1000)} s.`, fix: 'Run verify again in a minute.' };
}

export async function resourcesCheck(x: VerifyContext, tv: PlexTvClient, token: string, machineIdentifier: string): Promise<Check> {
  const title = 'plex.tv publishes your address';
  const res = await tv.resources(token);
  if (!res.ok) return { id: 'plex-tv-resources', title, ok: false, detail: res.error.message, fix: res.error.fix };
  const mine = res.value.find((r) => r.clientIdentifier === machineIdentifier);
  if (!mine || !mine.owned) {
    const e = notOwnerError(x.pmsUrl);
    return { id: 'plex-tv-resources', title, ok: false, detail: e.message, fix: e.fix };
  }
  const uris = new Set(mine.connections.map((c) => connectionKey(c.uri)));
  const missing = x.urls.filter((u) => !uris.has(connectionKey(u)));
  if (missing.length) {
    return { id: 'plex-tv-resources', title, ok: false, detail: `plex.tv does not list ${missing.join(', ')} among the connections of "${mine.name}" yet.`, fix: 'Plex Media Server publishes its URLs every few minutes: wait, then verify again. If it stays missing, check that Remote Access is enabled in Plex Web.' };
  }
  return { id: 'plex-tv-resources', title, ok: true, detail: `plex.tv lists ${x.urls.join(', ')} for "${mine.name}", so Plex apps will find it.` };
}

export async function doorCheck(x: VerifyContext, opts: VerifyOptions, machineIdentifier: string | undefined): Promise<Check> {
  const title = 'Requests through Portico reach Plex';
  const target = (opts.doorProbe ? opts.doorWhere : undefined) ?? opts.doorUrl ?? x.urls[0] ?? '';
  if (!opts.doorProbe && !opts.doorUrl) return { id: 'door-reaches-pms', title, ok: null, detail: 'Not checked: no domain is set up yet, so there is no door address to try.' };
  let r: { status: number; body: string };
  try {
    r = opts.doorProbe ? await opts.doorProbe('/identity') : await (x.http ?? httpText)(`${target.replace(/\/+$/, '')}/identity`, { timeoutMs: 10_000 });
  } catch (e) {
    return {
      id: 'door-reaches-pms', title, ok: false, detail: `${target} did not answer (${(e as Error).message}).`,
      // A probe goes to the door's own port on this machine: only a stopped Portico leaves it silent.
      fix: opts.doorProbe ? 'Start Portico (the desktop app or "portico serve") so its door listens there, then verify again.' : 'Check that Portico is running and the router forwards the HTTPS port to this computer.',
    };
  }
  const got = r.status === 200 ? parsePmsIdentity(r.body)?.machineIdentifier : undefined;
  if (!got) return { id: 'door-reaches-pms', title, ok: false, detail: `${target}/identity answered ${r.status}, not Plex Media Server's identity.`, fix: 'Check that the door routes your domain to plex.url, and that Plex Media Server is running.' };
  if (machineIdentifier && got !== machineIdentifier) return { id: 'door-reaches-pms', title, ok: false, detail: `${target} reaches a different Plex server (${got}).`, fix: 'Point plex.url at this server, or fix the DNS of your domain.' };
  return { id: 'door-reaches-pms', title, ok: true, detail: `${target} reaches this Plex Media Server through Portico.` };
}

function mappingCheck(a: { mappingState: string; mappingError: string; mappingErrorMessage: string }): Check {
  const title = MAPPING_TITLE;
  if (a.mappingState === 'mapped') return { id: 'plex-mapping', title, ok: true, detail: 'Plex Media Server says it is reachable from the internet.' };
  if (a.mappingState === 'waiting') return { id: 'plex-mapping', title, ok: null, detail: 'Plex Media Server is still checking whether it is reachable from the internet.', fix: 'Wait a minute, then verify again.' };
  if (a.mappingError === 'unreachable') return { id: 'plex-mapping', title, ok: false, detail: 'plex.tv could not reach your server from the internet.', fix: 'Check the router forwards the public port to this computer (and that the door is running), then verify again.' };
  if (a.mappingError === 'publisherror') return { id: 'plex-mapping', title, ok: false, detail: 'Plex Media Server could not publish its address to plex.tv.', fix: 'Check this computer can reach plex.tv, then sign out and in again in Plex Web (Settings > General).' };
  return { id: 'plex-mapping', title, ok: false, detail: `Plex Media Server reports remote access as not mapped${a.mappingErrorMessage ? ` (${a.mappingErrorMessage})` : ''}.`, fix: 'Turn on Remote Access in Plex Web (Settings > Remote Access), then verify again.' };
}
