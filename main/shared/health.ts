/**
 * The one verdict the tray icon, its tooltip, notifications, the dashboard and `portico status`
 * show: a pure function of the status, so every state can be tested without Electron or a running
 * service. The status is first read as checks, one per part of the setup (checks.ts: the door, the
 * certificate, PMS, Plex's settings, the router, DNS), next to the probes the service ran (door
 * handshake, DNS, the CA's view from outside, plex.tv); the verdict is `verdict()` over all of them.
 * Order: something broken beats something that needs the user beats something in progress beats
 * something not checked, so a retry loop never hides a failure. Within a level the cause comes
 * before its symptoms (an unfinished setup before a missing certificate, failing DDNS before stale DNS).
 */
import { verdict, type Check, type CheckArea } from './checks.ts';
import type { AppStatus, Health, HealthState } from './status.ts';
import { primaryDomain } from './primary-domain.ts';
import type { CertificateStatus } from './status/certificates.ts';
import type { RouterStatus } from './status/router.ts';

/** The status without its own health (the service computes health from the rest). */
export type StatusWithoutHealth = Omit<AppStatus, 'health'> & { health?: Health };

/** The word for each state, the same in the tray, the pill, the window title and the dashboard heading. */
export const HEALTH_WORD: Record<HealthState, string> = { ok: 'All good', warning: 'Needs attention', error: 'Not working', working: 'Working on it…' };

const day = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : 'an unknown date');
/** Retries can be minutes apart, so a day alone would not tell the user when. */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const names = (c: CertificateStatus): string => c.domains.join(', ') || 'your domain';
const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);
/** Reasons and actions are one line (tooltips, notifications); peers' messages may not be. */
const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

/** The probes that apply once a domain is chosen: until each has a result, the verdict is not "ok". */
const PROBED_AREAS: readonly { area: CheckArea; title: string }[] = [
  { area: 'certificate', title: 'A browser trusts the certificate the door serves' },
  { area: 'dns', title: 'Your domain points to this network' },
  { area: 'outside', title: 'Reachable from the internet' },
  { area: 'plex-published', title: 'plex.tv tells Plex apps your address' },
];

export function health(status: StatusWithoutHealth, now: number = Date.now()): Health {
  const v = verdict(statusChecks(status, now), now);
  if (v.state === 'ok') return okOf(status);
  const c = v.check;
  if (v.state === 'unchecked') {
    const reason = v.stale && c.at ? `Not checked since ${when(c.at)}: ${lowerFirst(c.title)}` : `Not checked yet: ${lowerFirst(c.title)}`;
    return shaped({ state: 'warning', reason, action: 'Run the checks in the Verify step of the dashboard; Portico also re-runs them on its own.', area: c.area });
  }
  return shaped({ state: v.state, reason: c.detail, ...(c.fix ? { action: c.fix } : {}), ...(c.area ? { area: c.area } : {}) });
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const shaped = (h: Health): Health => ({ ...h, reason: oneLine(h.reason), ...(h.action ? { action: oneLine(h.action) } : {}) });

/**
 * Every check the verdict is over: the components' own state (current by construction), the
 * probes the service ran (`status.checks`), and a "not checked yet" stand-in for each probe that
 * applies but has no result.
 */
export function statusChecks(s: StatusWithoutHealth, now: number): Check[] {
  const probes = s.checks ?? [];
  const missing: Check[] = s.domains.length
    ? PROBED_AREAS.filter((p) => !probes.some((c) => c.area === p.area)).map((p) => ({ id: `${p.area}-probe`, area: p.area, title: p.title, ok: null, detail: 'Not checked yet.' }))
    : [];
  return [...componentChecks(s, now), ...probes, ...missing];
}

/** One check per part of the setup, read off the live status. */
export function componentChecks(s: StatusWithoutHealth, now: number): Check[] {
  return [setupCheck(s), doorCheck(s), ...certificateChecks(s, now), pmsCheck(s), plexCheck(s), routerCheck(s.router, s.domains.length > 0), dnsCheck(s)];
}

type Result = Pick<Check, 'ok' | 'detail' | 'fix' | 'severity' | 'running' | 'notApplicable'>;
const check = (id: CheckArea, title: string, r: Result): Check => ({ id, area: id, title, ...r });
const pass = (detail: string): Result => ({ ok: true, detail });
const fail = (severity: 'error' | 'warning', detail: string, fix: string): Result => ({ ok: false, severity, detail, fix });
const running = (detail: string): Result => ({ ok: null, running: true, detail });
const notApplicable = (detail: string): Result => ({ ok: null, notApplicable: true, detail });

function setupCheck(s: StatusWithoutHealth): Check {
  return check('setup', 'Setup finished', s.domains.length === 0
    ? fail('warning', 'Setup not finished', 'Open the dashboard to choose your domain.')
    : pass(`Your domain is ${s.domains.join(', ')}.`));
}

function doorCheck(s: StatusWithoutHealth): Check {
  const title = 'The door is listening';
  const d = s.door;
  if (d.state === 'error') {
    return check('door', title, fail('error', `The door (HTTPS proxy) is down: ${d.error?.message ?? 'it could not start'}`, d.error?.fix ?? 'Check that no other program uses the door ports, then restart Portico.'));
  }
  if (d.state === 'stopped') return check('door', title, fail('warning', 'The door is stopped, so nobody can reach Plex from outside', 'Restart Portico.'));
  if (d.state === 'starting') return check('door', title, running('The door is starting'));
  const https = d.listeners.filter((l) => l.kind === 'https');
  if (https.length > 0 && https.every((l) => !l.listening)) {
    const l = https.find((x) => x.error) ?? https[0]!;
    return check('door', title, fail('error', `The door is not listening for HTTPS on port ${l.port}${l.error ? `: ${l.error}` : ''}`, 'Quit the program that uses the port or choose another one in door.httpsPorts, then restart Portico.'));
  }
  const deaf = d.listeners.find((l) => !l.listening && l.error);
  if (deaf) {
    return check('door', title, fail('warning', `The door is not listening on ${deaf.kind.toUpperCase()} port ${deaf.port}: ${deaf.error}`, deaf.kind === 'http'
      ? `Certificate checks over HTTP and redirects to HTTPS need it: quit the program that uses port ${deaf.port} or change door.httpPort, then restart Portico.`
      : `Quit the program that uses port ${deaf.port} or change door.httpsPorts, then restart Portico.`));
  }
  return check('door', title, pass(`Listening on ${d.listeners.filter((l) => l.listening).map((l) => `${l.kind.toUpperCase()} ${l.port}`).join(', ') || 'no port'}.`));
}

/** What Portico does next about a failed certificate request, as a sentence. */
function retryNote(c: CertificateStatus): string {
  if (c.lastError?.retryable === false) return 'Portico stopped retrying: fix the cause, then choose "Renew certificate now".';
  if (c.nextAttemptAt) return `Portico retries on its own; the next try is due ${when(c.nextAttemptAt)}.`;
  return '';
}
const certAction = (c: CertificateStatus, fallback: string): string =>
  [sentence(c.lastError?.fix ?? fallback), retryNote(c)].filter(Boolean).join(' ');

/**
 * A retry of a failed request keeps the failure's verdict while it runs: the failure stays true
 * until a try succeeds, so the tray does not flip warning → working → warning on every attempt.
 */
function effectiveState(c: CertificateStatus, now: number): CertificateStatus['state'] {
  if (c.state !== 'renewing' || !c.lastError) return c.state;
  if (!c.notAfter) return 'failed';
  return Date.parse(c.notAfter) <= now ? 'expired' : 'valid';
}

function certificateChecks(s: StatusWithoutHealth, now: number): Check[] {
  if (s.domains.length === 0) return [check('certificate', 'Trusted certificate', notApplicable('No domain is chosen yet.'))];
  const title = 'Trusted certificate';
  const out: Check[] = [];
  for (const c of s.certificates) {
    const state = effectiveState(c, now);
    const id = `certificate:${names(c)}`;
    const r = ((): Result | null => {
      if (state === 'expired') {
        return fail('error', `The certificate for ${names(c)} expired on ${day(c.notAfter)}${c.lastError ? `; renewal failed: ${c.lastError.message}` : ''}`, certAction(c, 'Choose "Renew certificate now"; if it fails, the dashboard says why'));
      }
      if (state === 'failed') {
        return fail('error', `No certificate for ${names(c)}: ${c.lastError?.message ?? 'the certificate authority refused the order'}`, certAction(c, 'Open the Certificate step of the setup and try again'));
      }
      if (state === 'expiring') {
        return fail('warning', `The certificate for ${names(c)} expires on ${day(c.notAfter)} and renewal has not succeeded yet${c.lastError ? ` (${c.lastError.message})` : ''}`, certAction(c, 'Choose "Renew certificate now" and read the dashboard if it fails'));
      }
      // Damaged files on disk: the door serves a fallback (the previous certificate or the placeholder).
      if (c.damaged && state !== 'renewing') return fail('warning', c.damaged.problem, c.damaged.fix);
      if (state === 'valid' && c.lastError) {
        return fail('warning', `Renewal for ${names(c)} failed (${c.lastError.message}); the current certificate is valid until ${day(c.notAfter)}`, certAction(c, 'Check the last error on the dashboard'));
      }
      if (state === 'valid' && c.staging) {
        return fail('warning', `The certificate for ${names(c)} is a test certificate (staging CA) that browsers and Plex apps do not trust`, 'Open the Certificate step of the setup and get the real certificate.');
      }
      if (state === 'renewing') return running(`Getting a certificate for ${names(c)}`);
      if (state === 'valid') return pass(`The certificate for ${names(c)} from ${c.issuer ?? 'the CA'} is valid until ${day(c.notAfter)}.`);
      return null;
    })();
    if (r) out.push({ ...check('certificate', title, r), id });
  }
  // A first certificate being requested ('renewing') is work in progress, not a missing one.
  const covering = (d: string) => s.certificates.find((c) => c.domains.includes(d) && (c.state === 'valid' || c.state === 'renewing' || c.state === 'expiring'));
  const missing = s.domains.find((d) => !covering(d));
  if (missing) {
    const placeholder = s.certificates.some((c) => c.domains.includes(missing) && c.state === 'placeholder');
    out.push({
      ...check('certificate', title, fail('warning', placeholder ? `Setup not finished: no trusted certificate for ${missing} yet, so the door shows a placeholder` : `No trusted certificate for ${missing} yet`, 'Open the Certificate step of the setup.')),
      id: `certificate:${missing}`,
    });
  }
  return out;
}

const isTokenProblem = (code: string | undefined): boolean => !!code && code.startsWith('plex-token');

function pmsCheck(s: StatusWithoutHealth): Check {
  const title = 'Plex Media Server answers';
  const p = s.plex;
  if (p.state === 'unreachable' || (p.state === 'error' && !isTokenProblem(p.error?.code))) {
    return check('pms', title, fail('error',
      p.error?.message ?? (p.state === 'unreachable' ? `Plex Media Server does not answer at ${p.url}` : `Plex Media Server at ${p.url} is not working`),
      p.error?.fix ?? 'Start Plex Media Server on this computer, or correct its address in the setup.'));
  }
  if (p.state === 'unknown') return check('pms', title, running(`Looking for Plex Media Server at ${p.url}`));
  return check('pms', title, pass(`Plex Media Server${p.version ? ` ${p.version}` : ''} answers at ${p.url}.`));
}

function plexCheck(s: StatusWithoutHealth): Check {
  const title = 'Plex knows your address';
  const p = s.plex;
  if (s.domains.length === 0) return check('plex', title, notApplicable('No domain is chosen yet.'));
  if (p.state === 'error' && isTokenProblem(p.error?.code)) {
    return check('plex', title, fail('warning', p.error?.message ?? 'Plex Media Server refused Portico\'s token', p.error?.fix ?? 'Open the Plex step of the setup and sign in again.'));
  }
  // Until the first probe answers, "not signed in" would be a guess.
  if (p.state === 'unknown' || p.state === 'unreachable' || p.state === 'error') return check('plex', title, { ok: null, detail: 'Waiting for Plex Media Server to answer.' });
  if (!p.signedIn) return check('plex', title, fail('warning', 'Portico is not signed in to Plex', p.error?.fix ?? 'Open the Plex step of the setup and sign in.'));
  if (!p.applied) return check('plex', title, fail('warning', 'Plex does not know your new address yet', 'Open the Plex settings step of the setup and apply.'));
  return check('plex', title, pass('Plex Media Server has your address among its custom server access URLs.'));
}

/** The rows to forward by hand, with their real numbers, as the action for any router problem. */
function forwardByHand(r: RouterStatus): string {
  const rows = r.manual ?? [];
  if (!rows.length) return 'Open the Router step of the setup: retry, or forward the ports by hand.';
  const list = rows.map((m) => `${m.externalPort}/${m.transport} to ${m.internalClient}:${m.internalPort}`).join(', ');
  return `Forward ${list} on your router by hand, or fix automatic mapping and retry in the Router step.`;
}

function routerCheck(r: RouterStatus, hasDomain: boolean): Check {
  const title = 'Router forwards the ports';
  const blocker = r.findings.find((f) => f.severity === 'error');
  if (blocker) return check('router', title, fail('warning', blocker.title, blocker.fix ?? 'Open the Router step of the setup.'));
  if (r.state === 'error') return check('router', title, fail('warning', `Automatic port mapping failed: ${r.error ?? 'the router did not answer'}`, forwardByHand(r)));
  const conflict = r.mappings.find((m) => m.state === 'conflict');
  if (conflict) {
    return check('router', title, fail('warning',
      `Port ${conflict.externalPort} on your router is already forwarded to ${conflict.owner ?? 'another device'}, not to Portico`,
      'Remove that forward in the router\'s settings, then retry in the Router step (or set door.publicHttpsPort to a free port).'));
  }
  const failedMap = r.mappings.find((m) => m.state === 'failed');
  if (failedMap) return check('router', title, fail('warning', `The router did not open port ${failedMap.externalPort}: ${failedMap.error ?? 'failed'}`, forwardByHand(r)));
  if (r.state === 'partial') return check('router', title, fail('warning', 'The router did not open every port', forwardByHand(r)));
  if (r.state === 'manual' && r.error) return check('router', title, fail('warning', `Portico cannot open the ports on your router: ${r.error}`, forwardByHand(r)));
  if (r.state === 'discovering') return check('router', title, running('Looking for your router to open the ports'));
  // Forwards made by hand cannot be read back from here; the outside check (the CA reaching the door) is their evidence.
  if (r.state === 'manual' || r.state === 'off') {
    return check('router', title, notApplicable(r.state === 'off' ? 'Router handling is off: you forward the ports yourself.' : 'You forward the ports by hand; the check from outside confirms them.'));
  }
  if (!hasDomain) return check('router', title, notApplicable('No domain is chosen yet.'));
  const mapped = r.mappings.filter((m) => m.state === 'mapped');
  return check('router', title, pass(`Mapped ${mapped.map((m) => `${m.transport} ${m.externalPort} → ${m.internalClient}:${m.internalPort}`).join(', ') || 'no port'} (${mapped[0]?.protocol ?? r.mode}).`));
}

function dnsCheck(s: StatusWithoutHealth): Check {
  const title = 'Your domain points to this network';
  const ddns = s.router.ddns;
  if (ddns?.state === 'error') {
    return check('dns', title, fail('warning', `Dynamic DNS is failing: ${ddns.error ?? 'the update was refused'}`, 'Check the DNS provider and its token in the Domain step of the setup; Portico keeps retrying.'));
  }
  if (ddns?.state === 'held') {
    return check('dns', title, fail('warning', `Dynamic DNS is holding back: ${ddns.error ?? 'the public address is not one the internet can reach'}`, 'Give this network a public address (see the Router step\'s findings); Portico writes the record as soon as it has one.'));
  }
  const staleDns = s.dns.records.find((r) => r.matchesPublic === false);
  if (staleDns) {
    return check('dns', title, fail('warning', `${staleDns.name} points to ${staleDns.values.join(', ') || 'nothing'}, not to your public address`, 'Update the DNS record at your DNS provider, or turn on dynamic DNS in the Domain step.'));
  }
  if (ddns?.state === 'updating') return check('dns', title, running('Updating your domain\'s DNS record'));
  if (s.domains.length === 0) return check('dns', title, notApplicable('No domain is chosen yet.'));
  // The records themselves are checked by the DNS probe (status.checks); this only reports dynamic DNS.
  return check('dns', title, { ok: null, notApplicable: true, detail: ddns && ddns.state !== 'off' ? `Dynamic DNS ${ddns.state}${ddns.address ? `: ${ddns.address}` : ''}.` : 'Dynamic DNS is off.' });
}

function okOf(s: StatusWithoutHealth): Health {
  const domain = primaryDomain(s.domains) ?? '';
  const cert = s.certificates.find((c) => c.state === 'valid' && c.domains.some((d) => d === domain || d === `*.${domain.split('.').slice(1).join('.')}`));
  return { state: 'ok', reason: `https://${domain} works; certificate valid until ${day(cert?.notAfter)}` };
}
