/**
 * The I/O half of the diagnosis: look things up, connect, and hand plain facts to diagnose().
 */
import { connect as tlsConnect } from 'node:tls';
import { Resolver } from 'node:dns/promises';
import type { RouterStatus } from '../../shared/status/router.ts';
import type { ReachabilityFacts } from './diagnose.ts';
import { lookupPublicAddress, type PublicIpProvider } from './public-ip-provider.ts';

export interface HairpinProbe {
  host: string;
  port: number;
  servername: string;
  /** SHA-256 fingerprint (node's `fingerprint256` format) of our door's certificate, when known. */
  expectedFingerprint256?: string | null;
  timeoutMs?: number;
}

/**
 * Connect to our public address from inside and finish a TLS handshake. Reached = the handshake
 * completed (and, when we know our certificate, it is ours — not the router's admin page).
 */
export function probeHairpin(p: HairpinProbe): Promise<{ result: 'reached' | 'not-reached'; detail: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: 'reached' | 'not-reached', detail: string) => {
      if (settled) return;
      settled = true;
      s.destroy();
      resolve({ result, detail });
    };
    // Certificate validity is not the question here, only whose door answered.
    const s = tlsConnect({ host: p.host, port: p.port, servername: p.servername, rejectUnauthorized: false, timeout: p.timeoutMs ?? 3000 });
    s.once('secureConnect', () => {
      const fp = s.getPeerCertificate()?.fingerprint256;
      if (p.expectedFingerprint256 && fp !== p.expectedFingerprint256) done('not-reached', `another service answered (certificate ${fp ?? 'none'})`);
      else done('reached', 'TLS handshake completed');
    });
    s.once('timeout', () => done('not-reached', `no answer within ${p.timeoutMs ?? 3000} ms`));
    s.once('error', (e: NodeJS.ErrnoException) => done('not-reached', e.code ?? e.message));
  });
}

/** A/AAAA of `name` through `server` ("ip" or "ip:port"); null = the system's resolver. */
export async function resolveAddresses(name: string, server: string | null, timeoutMs = 3000): Promise<{ a: string[]; aaaa: string[]; error?: string }> {
  const r = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (server) r.setServers([server]);
  const q = async (fn: () => Promise<string[]>) => {
    try {
      return { v: await fn() };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code === 'ENODATA' || code === 'ENOTFOUND' ? { v: [] as string[] } : { v: [] as string[], e: `${code ?? ''} ${(e as Error).message}`.trim() };
    }
  };
  const [a, aaaa] = await Promise.all([q(() => r.resolve4(name)), q(() => r.resolve6(name))]);
  const error = a.e && aaaa.e ? `DNS lookup of ${name}${server ? ` at ${server}` : ''} failed: ${a.e}` : undefined;
  return { a: a.v, aaaa: aaaa.v, ...(error ? { error } : {}) };
}

export interface GatherOptions {
  domain: string;
  publicHttpsPort: number;
  router: RouterStatus;
  /** Asked in order (reachability.ts builds the list: the one public-address rule). */
  publicIp: PublicIpProvider[];
  resolver: string | null;
  doorFingerprint256?: string | null;
  /** Outside check of port 80 (no service does it for us); absent = unknown. */
  checkPort80?: (publicAddress: string) => Promise<'open' | 'blocked' | null>;
  hairpinTimeoutMs?: number;
}

export async function gatherFacts(o: GatherOptions): Promise<ReachabilityFacts> {
  const { address: publicAddress, error: publicAddressError } = await lookupPublicAddress(o.publicIp);
  const [dns, hairpin, port80] = await Promise.all([
    resolveAddresses(o.domain, o.resolver),
    publicAddress ? probeHairpin({ host: publicAddress, port: o.publicHttpsPort, servername: o.domain, expectedFingerprint256: o.doorFingerprint256, timeoutMs: o.hairpinTimeoutMs }) : Promise.resolve(null),
    publicAddress && o.checkPort80 ? o.checkPort80(publicAddress) : Promise.resolve(null),
  ]);
  return {
    domain: o.domain,
    publicHttpsPort: o.publicHttpsPort,
    routerMode: o.router.mode,
    gateway: o.router.gateway ?? null,
    lanAddress: o.router.lanAddress ?? null,
    adminUrl: o.router.adminUrl ?? null,
    protocols: o.router.protocols,
    gatewayExternalAddress: o.router.externalAddress ?? null,
    publicAddress,
    publicAddressError,
    dns,
    hairpin: hairpin?.result ?? null,
    hairpinDetail: hairpin?.detail ?? null,
    port80,
    mappings: o.router.mappings,
    forwards: o.router.manual ?? [],
  };
}
