import { request } from 'node:https';
import { rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Check } from '../../shared/api.ts';

export interface DoorCheckOptions {
  /** Where the door's HTTPS listener is reachable from this machine. */
  host: string;
  port: number;
  domain: string;
  /** Extra roots to trust besides the system's (a test CA such as pebble's); null = system roots only. */
  extraCAs?: string[];
  /** PMS's machineIdentifier, when known, to prove the answer came from this server. */
  machineIdentifier?: string;
  timeoutMs?: number;
}

interface Probe {
  cert?: PeerCertificate;
  authorized: boolean;
  authorizationError?: string;
  status?: number;
  body?: string;
  error?: string;
}

/**
 * What a browser at https://<domain> would see, checked from this machine through the door's
 * own listener: the certificate (trusted, covering the name, in date) and that a request reaches
 * Plex Media Server. Two checks per domain, each with its fix.
 */
export async function checkDoor(opts: DoorCheckOptions): Promise<Check[]> {
  const p = await probe(opts);
  const { domain } = opts;
  const where = `https://${domain} (door at ${opts.host}:${opts.port})`;
  const certCheck: Check = { id: `door-certificate:${domain}`, title: `Certificate for ${domain}`, ok: false, detail: '' };
  if (!p.cert || !p.cert.raw) {
    certCheck.detail = `The door did not complete a TLS handshake for ${where}: ${p.error ?? 'no certificate was offered'}.`;
    certCheck.fix = 'Check that Portico is running and the door is listening, then get the certificate in the Certificate step.';
    return [certCheck, { id: `door-plex:${domain}`, title: `https://${domain} reaches Plex`, ok: false, detail: 'Not tried: the TLS handshake failed.', fix: certCheck.fix }];
  }
  const san = (p.cert.subjectaltname ?? '').split(/,\s*/).map((s) => s.replace(/^DNS:/, '').toLowerCase());
  const covers = san.includes(domain) || san.some((n) => n.startsWith('*.') && domain.endsWith(n.slice(1)) && domain.split('.').length === n.split('.').length);
  const expires = new Date(p.cert.valid_to);
  const issuer = p.cert.issuer?.CN ?? p.cert.issuer?.O ?? 'unknown issuer';
  if (!covers) {
    certCheck.detail = `The door serves a certificate for ${san.join(', ') || 'no names'}, not ${domain}.`;
    certCheck.fix = 'Get a certificate for this name in the Certificate step (Portico issues one when the domain changes).';
  } else if (!p.authorized) {
    certCheck.detail = `The door serves a certificate for ${domain} from "${issuer}", but browsers will not trust it (${p.authorizationError ?? 'untrusted'}).`;
    certCheck.fix = 'A placeholder or staging certificate is in use: get a production certificate in the Certificate step.';
  } else {
    certCheck.ok = true;
    certCheck.detail = `Trusted certificate from "${issuer}", valid until ${expires.toISOString().slice(0, 10)}.`;
  }
  const plexCheck: Check = { id: `door-plex:${domain}`, title: `https://${domain} reaches Plex`, ok: false, detail: '' };
  if (p.status === undefined) {
    plexCheck.detail = `No HTTP answer through the door: ${p.error ?? 'the connection closed'}.`;
    plexCheck.fix = 'Check that Plex Media Server is running and its address in the Plex step is right.';
  } else if (p.status !== 200 || !/machineIdentifier=/.test(p.body ?? '')) {
    plexCheck.detail = `The door answered ${p.status} instead of Plex's identity page${p.status >= 500 ? ' (Plex Media Server is not answering behind it)' : ''}.`;
    plexCheck.fix = 'Start Plex Media Server on this computer, or correct its address in the Plex step.';
  } else if (opts.machineIdentifier && !(p.body ?? '').includes(`machineIdentifier="${opts.machineIdentifier}"`)) {
    plexCheck.detail = 'A different Plex Media Server answered through the door than the one Portico set up.';
    plexCheck.fix = 'Correct the Plex address in the Plex step.';
  } else {
    plexCheck.ok = true;
    plexCheck.detail = 'A request through the door reached Plex Media Server.';
  }
  return [certCheck, plexCheck];
}

/** Where this machine reaches a door bound to `bind`: the wildcard addresses through loopback. */
export function doorHost(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
}

/**
 * A request as a browser at https://<domain> makes it, sent to the door's own listener on this
 * machine (PlexManager.verify's `doorProbe`, for `portico plex verify`). Throws when nothing answers.
 */
export function throughTheDoor(opts: Pick<DoorCheckOptions, 'host' | 'port' | 'domain' | 'timeoutMs'>): (path: string) => Promise<{ status: number; body: string }> {
  return async (path) => {
    const p = await probe(opts, path);
    if (p.status === undefined) throw new Error(p.error ?? 'the connection closed');
    return { status: p.status, body: p.body ?? '' };
  };
}

function probe(opts: Pick<DoorCheckOptions, 'host' | 'port' | 'domain' | 'extraCAs' | 'timeoutMs'>, path = '/identity'): Promise<Probe> {
  return new Promise((resolve) => {
    const out: Probe = { authorized: false };
    const req = request({
      host: opts.host, port: opts.port, servername: opts.domain, path, method: 'GET',
      headers: { Host: opts.domain, Accept: 'application/xml' },
      ca: [...rootCertificates, ...(opts.extraCAs ?? [])],
      // Read the certificate even when untrusted, to say precisely what is wrong with it.
      rejectUnauthorized: false, agent: false, timeout: opts.timeoutMs ?? 5000,
    }, (res) => {
      const sock = res.socket as TLSSocket;
      out.cert = sock.getPeerCertificate();
      out.authorized = sock.authorized;
      if (!sock.authorized) out.authorizationError = String(sock.authorizationError);
      out.status = res.statusCode;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { if (body.length < 64 * 1024) body += c; });
      res.on('end', () => { out.body = body; resolve(out); });
      res.on('error', (e) => { out.error = e.message; resolve(out); });
    });
    req.on('socket', (s) => s.once('secureConnect', () => {
      const t = s as TLSSocket;
      out.cert = t.getPeerCertificate();
      out.authorized = t.authorized;
      if (!t.authorized) out.authorizationError = String(t.authorizationError);
    }));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', (e) => { out.error = (e as NodeJS.ErrnoException).code ?? e.message; resolve(out); });
    req.end();
  });
}
