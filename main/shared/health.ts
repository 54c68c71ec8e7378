/**
 * The one verdict the tray icon, its tooltip, notifications and the dashboard show: a pure
 * function of the status, so every state can be tested without Electron or a running service.
 * Order matters: something broken beats something in progress beats something to tidy up.
 */
import type { AppStatus, Health } from './status.ts';
import type { CertificateStatus } from './status/certificates.ts';

/** The status without its own health (the service computes health from the rest). */
export type StatusWithoutHealth = Omit<AppStatus, 'health'> & { health?: Health };

const day = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : 'an unknown date');
const names = (c: CertificateStatus): string => c.domains.join(', ') || 'your domain';

export function health(status: StatusWithoutHealth): Health {
  return errorOf(status) ?? workingOf(status) ?? warningOf(status) ?? okOf(status);
}

function errorOf(s: StatusWithoutHealth): Health | undefined {
  if (s.door.state === 'error') {
    return {
      state: 'error',
      reason: `The door (HTTPS proxy) is down: ${s.door.error?.message ?? 'it could not start'}`,
      action: s.door.error?.fix ?? 'Check that no other program uses the door ports, then restart Portico.',
    };
  }
  const expired = s.certificates.find((c) => c.state === 'expired');
  if (expired) {
    return {
      state: 'error',
      reason: `The certificate for ${names(expired)} expired on ${day(expired.notAfter)}`,
      action: expired.lastError?.fix ?? 'Choose "Renew certificate now"; if it fails, the dashboard says why.',
    };
  }
  const failed = s.certificates.find((c) => c.state === 'failed');
  if (failed) {
    return {
      state: 'error',
      reason: `No certificate for ${names(failed)}: ${failed.lastError?.message ?? 'the certificate authority refused the order'}`,
      action: failed.lastError?.fix ?? 'Open the Certificate step of the setup and try again.',
    };
  }
  if (s.plex.state === 'unreachable' || s.plex.state === 'error') {
    return {
      state: 'error',
      reason: s.plex.error?.message ?? `Plex Media Server does not answer at ${s.plex.url}`,
      action: s.plex.error?.fix ?? 'Start Plex Media Server on this computer, or correct its address in the setup.',
    };
  }
  return undefined;
}

function workingOf(s: StatusWithoutHealth): Health | undefined {
  if (s.door.state === 'starting') return { state: 'working', reason: 'The door is starting' };
  const renewing = s.certificates.find((c) => c.state === 'renewing');
  if (renewing) return { state: 'working', reason: `Getting a certificate for ${names(renewing)}` };
  if (s.router.state === 'discovering') return { state: 'working', reason: 'Looking for your router to open the ports' };
  return undefined;
}

function warningOf(s: StatusWithoutHealth): Health | undefined {
  if (s.domains.length === 0) {
    return { state: 'warning', reason: 'Setup is not finished: no domain chosen yet', action: 'Open the setup and choose your domain.' };
  }
  if (s.door.state === 'stopped') {
    return { state: 'warning', reason: 'The door is stopped, so nobody can reach Plex from outside', action: 'Restart Portico.' };
  }
  const expiring = s.certificates.find((c) => c.state === 'expiring');
  if (expiring) {
    return {
      state: 'warning',
      reason: `The certificate for ${names(expiring)} expires on ${day(expiring.notAfter)} and renewal has not succeeded yet`,
      action: expiring.lastError?.fix ?? 'Choose "Renew certificate now" and read the dashboard if it fails.',
    };
  }
  const retrying = s.certificates.find((c) => c.state === 'valid' && c.lastError);
  if (retrying) {
    return {
      state: 'warning',
      reason: `Renewal for ${names(retrying)} failed (${retrying.lastError?.message ?? 'unknown error'}); the current certificate is valid until ${day(retrying.notAfter)}`,
      action: retrying.lastError?.fix ?? `Portico retries on its own; the next try is due ${day(retrying.nextAttemptAt)}.`,
    };
  }
  const missing = s.domains.find((d) => !s.certificates.some((c) => c.domains.includes(d) && c.state === 'valid'));
  if (missing) {
    return { state: 'warning', reason: `No trusted certificate for ${missing} yet`, action: 'Open the Certificate step of the setup.' };
  }
  if (!s.plex.signedIn) {
    return { state: 'warning', reason: 'Portico is not signed in to Plex', action: 'Open the Plex step of the setup and sign in.' };
  }
  if (!s.plex.applied) {
    return { state: 'warning', reason: 'Plex does not know your new address yet', action: 'Open the Plex settings step of the setup and apply.' };
  }
  const badFinding = s.router.findings.find((f) => f.severity === 'error') ?? (s.router.state === 'error' || s.router.state === 'partial' ? s.router.findings.find((f) => f.severity === 'warning') : undefined);
  if (badFinding) {
    return { state: 'warning', reason: badFinding.title, action: badFinding.fix ?? 'Open the Router step of the setup.' };
  }
  if (s.router.state === 'error' || s.router.state === 'partial') {
    const failedMap = s.router.mappings.find((m) => m.state === 'failed' || m.state === 'conflict');
    return {
      state: 'warning',
      reason: failedMap ? `The router did not open port ${failedMap.externalPort}: ${failedMap.error ?? failedMap.state}` : 'The router did not open every port',
      action: 'Open the Router step of the setup and forward the ports by hand.',
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

function okOf(s: StatusWithoutHealth): Health {
  const cert = s.certificates.find((c) => c.domains.includes(s.domains[0] ?? '') && c.state === 'valid');
  return { state: 'ok', reason: `https://${s.domains[0]} works; certificate valid until ${day(cert?.notAfter)}` };
}
