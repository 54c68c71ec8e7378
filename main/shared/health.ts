/**
 * The one verdict the tray icon, its tooltip, notifications and the dashboard show: a pure
 * function of the status, so every state can be tested without Electron or a running service.
 * Order: something broken beats something that needs the user beats something in progress, so
 * a retry loop that is "working" never hides a failure. Within a level, the cause comes before
 * its symptoms (an unfinished setup before a missing certificate, failing DDNS before stale DNS).
 */
import type { AppStatus, Health } from './status.ts';
import type { CertificateStatus } from './status/certificates.ts';
import type { RouterStatus } from './status/router.ts';

/** The status without its own health (the service computes health from the rest). */
export type StatusWithoutHealth = Omit<AppStatus, 'health'> & { health?: Health };

const day = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : 'an unknown date');
/** Retries can be minutes apart, so a day alone would not tell the user when. */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const names = (c: CertificateStatus): string => c.domains.join(', ') || 'your domain';
const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);
/** Reasons and actions are one line (tooltips, notifications); peers' messages may not be. */
const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

export function health(status: StatusWithoutHealth): Health {
  const h = errorOf(status) ?? warningOf(status) ?? workingOf(status) ?? okOf(status);
  return { state: h.state, reason: oneLine(h.reason), ...(h.action ? { action: oneLine(h.action) } : {}) };
}

/** What Portico does next about a failed certificate request, as a sentence. */
function retryNote(c: CertificateStatus): string {
  if (c.lastError?.retryable === false) return 'Portico stopped retrying: fix the cause, then choose "Renew certificate now".';
  if (c.nextAttemptAt) return `Portico retries on its own; the next try is due ${when(c.nextAttemptAt)}.`;
  return '';
}
const certAction = (c: CertificateStatus, fallback: string): string =>
  [sentence(c.lastError?.fix ?? fallback), retryNote(c)].filter(Boolean).join(' ');

const isTokenProblem = (code: string | undefined): boolean => !!code && code.startsWith('plex-token');

function errorOf(s: StatusWithoutHealth): Health | undefined {
  if (s.door.state === 'error') {
    return {
      state: 'error',
      reason: `The door (HTTPS proxy) is down: ${s.door.error?.message ?? 'it could not start'}`,
      action: s.door.error?.fix ?? 'Check that no other program uses the door ports, then restart Portico.',
    };
  }
  const https = s.door.listeners.filter((l) => l.kind === 'https');
  if (s.door.state === 'running' && https.length > 0 && https.every((l) => !l.listening)) {
    const l = https.find((x) => x.error) ?? https[0]!;
    return {
      state: 'error',
      reason: `The door is not listening for HTTPS on port ${l.port}${l.error ? `: ${l.error}` : ''}`,
      action: 'Quit the program that uses the port or choose another one in door.httpsPorts, then restart Portico.',
    };
  }
  const expired = s.certificates.find((c) => c.state === 'expired');
  if (expired) {
    return {
      state: 'error',
      reason: `The certificate for ${names(expired)} expired on ${day(expired.notAfter)}${expired.lastError ? `; renewal failed: ${expired.lastError.message}` : ''}`,
      action: certAction(expired, 'Choose "Renew certificate now"; if it fails, the dashboard says why'),
    };
  }
  const failed = s.certificates.find((c) => c.state === 'failed');
  if (failed) {
    return {
      state: 'error',
      reason: `No certificate for ${names(failed)}: ${failed.lastError?.message ?? 'the certificate authority refused the order'}`,
      action: certAction(failed, 'Open the Certificate step of the setup and try again'),
    };
  }
  if (s.plex.state === 'unreachable' || (s.plex.state === 'error' && !isTokenProblem(s.plex.error?.code))) {
    return {
      state: 'error',
      reason: s.plex.error?.message ?? (s.plex.state === 'unreachable' ? `Plex Media Server does not answer at ${s.plex.url}` : `Plex Media Server at ${s.plex.url} is not working`),
      action: s.plex.error?.fix ?? 'Start Plex Media Server on this computer, or correct its address in the setup.',
    };
  }
  return undefined;
}

function warningOf(s: StatusWithoutHealth): Health | undefined {
  if (s.domains.length === 0) {
    return { state: 'warning', reason: 'Setup not finished', action: 'Open the dashboard to choose your domain.' };
  }
  if (s.door.state === 'stopped') {
    return { state: 'warning', reason: 'The door is stopped, so nobody can reach Plex from outside', action: 'Restart Portico.' };
  }
  const deaf = s.door.state === 'running' ? s.door.listeners.find((l) => !l.listening && l.error) : undefined;
  if (deaf) {
    return {
      state: 'warning',
      reason: `The door is not listening on ${deaf.kind.toUpperCase()} port ${deaf.port}: ${deaf.error}`,
      action: deaf.kind === 'http'
        ? `Certificate checks over HTTP and redirects to HTTPS need it: quit the program that uses port ${deaf.port} or change door.httpPort, then restart Portico.`
        : `Quit the program that uses port ${deaf.port} or change door.httpsPorts, then restart Portico.`,
    };
  }
  const expiring = s.certificates.find((c) => c.state === 'expiring');
  if (expiring) {
    return {
      state: 'warning',
      reason: `The certificate for ${names(expiring)} expires on ${day(expiring.notAfter)} and renewal has not succeeded yet${expiring.lastError ? ` (${expiring.lastError.message})` : ''}`,
      action: certAction(expiring, 'Choose "Renew certificate now" and read the dashboard if it fails'),
    };
  }
  // Damaged files on disk: the door serves a fallback (the previous certificate or the placeholder).
  const damaged = s.certificates.find((c) => c.damaged && c.state !== 'renewing');
  if (damaged?.damaged) return { state: 'warning', reason: damaged.damaged.problem, action: damaged.damaged.fix };
  const retrying = s.certificates.find((c) => c.state === 'valid' && c.lastError);
  if (retrying) {
    return {
      state: 'warning',
      reason: `Renewal for ${names(retrying)} failed (${retrying.lastError?.message ?? 'unknown error'}); the current certificate is valid until ${day(retrying.notAfter)}`,
      action: certAction(retrying, 'Check the last error on the dashboard'),
    };
  }
  const staging = s.certificates.find((c) => c.state === 'valid' && c.staging);
  if (staging) {
    return {
      state: 'warning',
      reason: `The certificate for ${names(staging)} is a test certificate (staging CA) that browsers and Plex apps do not trust`,
      action: 'Open the Certificate step of the setup and get the real certificate.',
    };
  }
  // A first certificate being requested ('renewing') is work in progress, not a missing one.
  const covering = (d: string) => s.certificates.find((c) => c.domains.includes(d) && (c.state === 'valid' || c.state === 'renewing'));
  const missing = s.domains.find((d) => !covering(d));
  if (missing) {
    const placeholder = s.certificates.some((c) => c.domains.includes(missing) && c.state === 'placeholder');
    return {
      state: 'warning',
      reason: placeholder ? `Setup not finished: no trusted certificate for ${missing} yet, so the door shows a placeholder` : `No trusted certificate for ${missing} yet`,
      action: 'Open the Certificate step of the setup.',
    };
  }
  if (s.plex.state === 'error' && isTokenProblem(s.plex.error?.code)) {
    return { state: 'warning', reason: s.plex.error?.message ?? 'Plex Media Server refused Portico\'s token', action: s.plex.error?.fix ?? 'Open the Plex step of the setup and sign in again.' };
  }
  // Until the first probe answers, "not signed in" would be a guess.
  if (s.plex.state !== 'unknown') {
    if (!s.plex.signedIn) {
      return { state: 'warning', reason: 'Portico is not signed in to Plex', action: s.plex.error?.fix ?? 'Open the Plex step of the setup and sign in.' };
    }
    if (!s.plex.applied) {
      return { state: 'warning', reason: 'Plex does not know your new address yet', action: 'Open the Plex settings step of the setup and apply.' };
    }
  }
  return routerWarning(s.router) ?? dnsWarning(s);
}

/** The rows to forward by hand, with their real numbers, as the action for any router problem. */
function forwardByHand(r: RouterStatus): string {
  const rows = r.manual ?? [];
  if (!rows.length) return 'Open the Router step of the setup: retry, or forward the ports by hand.';
  const list = rows.map((m) => `${m.externalPort}/${m.transport} to ${m.internalClient}:${m.internalPort}`).join(', ');
  return `Forward ${list} on your router by hand, or fix automatic mapping and retry in the Router step.`;
}

function routerWarning(r: RouterStatus): Health | undefined {
  const blocker = r.findings.find((f) => f.severity === 'error');
  if (blocker) return { state: 'warning', reason: blocker.title, action: blocker.fix ?? 'Open the Router step of the setup.' };
  if (r.state === 'error') {
    return { state: 'warning', reason: `Automatic port mapping failed: ${r.error ?? 'the router did not answer'}`, action: forwardByHand(r) };
  }
  const conflict = r.mappings.find((m) => m.state === 'conflict');
  if (conflict) {
    return {
      state: 'warning',
      reason: `Port ${conflict.externalPort} on your router is already forwarded to ${conflict.owner ?? 'another device'}, not to Portico`,
      action: 'Remove that forward in the router\'s settings, then retry in the Router step (or set door.publicHttpsPort to a free port).',
    };
  }
  const failedMap = r.mappings.find((m) => m.state === 'failed');
  if (failedMap) {
    return { state: 'warning', reason: `The router did not open port ${failedMap.externalPort}: ${failedMap.error ?? 'failed'}`, action: forwardByHand(r) };
  }
  if (r.state === 'partial') return { state: 'warning', reason: 'The router did not open every port', action: forwardByHand(r) };
  if (r.state === 'manual' && r.error) {
    return { state: 'warning', reason: `Portico cannot open the ports on your router: ${r.error}`, action: forwardByHand(r) };
  }
  return undefined;
}

function dnsWarning(s: StatusWithoutHealth): Health | undefined {
  const ddns = s.router.ddns;
  if (ddns?.state === 'error') {
    return {
      state: 'warning',
      reason: `Dynamic DNS is failing: ${ddns.error ?? 'the update was refused'}`,
      action: 'Check the DNS provider and its token in the Domain step of the setup; Portico keeps retrying.',
    };
  }
  const staleDns = s.dns.records.find((r) => r.matchesPublic === false);
  if (staleDns) {
    return {
      state: 'warning',
      reason: `${staleDns.name} points to ${staleDns.values.join(', ') || 'nothing'}, not to your public address`,
      action: 'Update the DNS record at your DNS provider, or turn on dynamic DNS in the Domain step.',
    };
  }
  return undefined;
}

function workingOf(s: StatusWithoutHealth): Health | undefined {
  if (s.door.state === 'starting') return { state: 'working', reason: 'The door is starting' };
  const renewing = s.certificates.find((c) => c.state === 'renewing');
  if (renewing) return { state: 'working', reason: `Getting a certificate for ${names(renewing)}` };
  if (s.router.state === 'discovering') return { state: 'working', reason: 'Looking for your router to open the ports' };
  if (s.plex.state === 'unknown') return { state: 'working', reason: `Looking for Plex Media Server at ${s.plex.url}` };
  if (s.router.ddns?.state === 'updating') return { state: 'working', reason: 'Updating your domain\'s DNS record' };
  return undefined;
}

function okOf(s: StatusWithoutHealth): Health {
  const cert = s.certificates.find((c) => c.domains.includes(s.domains[0] ?? '') && c.state === 'valid');
  return { state: 'ok', reason: `https://${s.domains[0]} works; certificate valid until ${day(cert?.notAfter)}` };
}
