import type { Check, PinSignIn, PlexDiscovery, PrefChange } from '../../shared/api.ts';
import type { Config } from '../../shared/config.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { Finding, RouterStatus } from '../../shared/status/router.ts';
import type { AppStatus } from '../../shared/status.ts';
import type { CertificateStatus } from '../../shared/status/certificates.ts';
import type { CertsApi, DnsApi, PlexApi, PlexApplyOptions, RouterApi } from './api-handlers.ts';
import { diagnose } from '../network/diagnose.ts';
import { gatherFacts, resolveAddresses } from '../network/gather-facts.ts';
import { HttpPublicIp } from '../network/http-public-ip.ts';
import type { PublicIpProvider } from '../network/public-ip-provider.ts';
import { StunPublicIp } from '../network/stun-public-ip.ts';
import { primaryDomain } from '../../shared/primary-domain.ts';

/*
 * Small adapters from the real managers to the narrow views the API handlers use. Each takes
 * only the methods it calls, so the managers stay free to grow.
 */

export interface PlexManagerLike {
  discover(): Promise<PlexDiscovery>;
  startPinSignIn(): Promise<Result<PinSignIn>>;
  pollPinSignIn(): Promise<Result<{ state: 'waiting' | 'signed-in' | 'expired' }>>;
  plan(opts: PlexApplyOptions & { certificate?: PlexCertificate }): Promise<Result<PrefChange[]>>;
  apply(opts: PlexApplyOptions & { certificate?: PlexCertificate }): Promise<Result<PrefChange[]>>;
  undo(): Promise<Result<PrefChange[]>>;
  verify(opts?: object): Promise<Check[]>;
}
export interface PlexCertificate { path: string; passphrase: string; domain: string }

/**
 * `certificate` exports the PKCS#12 for PMS's custom-certificate prefs when the user asks for
 * them. The door's own check (door-check.ts) already proves a request reaches PMS with a trusted
 * certificate, so PlexManager's unprobed "door reaches PMS" item is left out rather than shown grey.
 */
export function plexApi(m: PlexManagerLike, certificate?: () => Promise<Result<PlexCertificate>>): PlexApi {
  const withCert = async (opts: PlexApplyOptions): Promise<Result<PlexApplyOptions & { certificate?: PlexCertificate }>> => {
    if (!opts.customCertificate) return ok({ manualPort: opts.manualPort, customCertificate: false });
    if (!certificate) return err({ code: 'not-available', message: 'Portico cannot export the certificate for Plex here.', fix: 'Leave "custom certificate" off: the door serves the certificate anyway.' });
    const c = await certificate();
    return c.ok ? ok({ manualPort: opts.manualPort, customCertificate: true, certificate: c.value }) : c;
  };
  return {
    discover: () => m.discover(),
    signInStart: () => m.startPinSignIn(),
    signInPoll: () => m.pollPinSignIn(),
    plan: async (o) => { const w = await withCert(o); return w.ok ? m.plan(w.value) : w; },
    apply: async (o) => { const w = await withCert(o); return w.ok ? m.apply(w.value) : w; },
    undo: () => m.undo(),
    verify: async () => (await m.verify()).filter((c) => c.id !== 'door-reaches-pms'),
  };
}

export interface CertManagerLike {
  renewNow(opts: { force?: boolean; staging?: boolean }): Promise<Result<CertificateStatus>>;
  exportPkcs12(): Promise<{ path: string; passphrase: string }>;
}

/**
 * The Certificate step: `staging` runs the pre-flight order, otherwise the real one (which the
 * manager skips while the current certificate is not due). `onIssued` lets the service start the
 * renewal loop once a real certificate exists.
 */
export function certsApi(m: CertManagerLike, onIssued?: () => Promise<void> | void): CertsApi {
  const after = async (r: Result<CertificateStatus>, staging: boolean) => {
    if (r.ok && !staging) await onIssued?.();
    return r;
  };
  return {
    issue: async ({ staging }) => after(await m.renewNow(staging ? { staging: true } : {}), staging),
    renew: async ({ force }) => after(await m.renewNow({ force }), false),
  };
}

/** PMS's custom-certificate prefs need the PKCS#12 export of the current certificate. */
export function pkcs12ForPlex(m: CertManagerLike, domain: () => string): () => Promise<Result<PlexCertificate>> {
  return async () => {
    try {
      return ok({ ...(await m.exportPkcs12()), domain: domain() });
    } catch (e) {
      return err({ code: 'cert-missing', message: (e as Error).message, fix: 'Get the certificate in the Certificate step first.' });
    }
  };
}

export interface RouterManagerLike {
  start(): Promise<RouterStatus>;
  getStatus(): RouterStatus;
}

export interface ReachabilityOptions {
  config: () => Config;
  /** SHA-256 fingerprint of the certificate the door serves, to tell our door from the router's page. */
  doorFingerprint256?: () => string | null;
  /** Extra CA for HTTPS what-is-my-IP endpoints (tests). */
  publicIpCa?: string;
}

/** The address services the config names (STUN first: it is cheap). */
export function publicIpProviders(c: Config, ca?: string): PublicIpProvider[] {
  const out: PublicIpProvider[] = [];
  if (c.publicIp.stunServer) out.push(new StunPublicIp(c.publicIp.stunServer));
  for (const u of c.publicIp.httpEndpoints) out.push(new HttpPublicIp(u, ca ? { ca } : {}));
  return out;
}

export function routerApi(m: RouterManagerLike, o: ReachabilityOptions): RouterApi {
  return {
    async map() {
      const s = await m.start();
      const mapped = s.mappings.some((x) => x.state === 'mapped');
      if (s.state === 'error' || (s.error && !mapped)) {
        return err({
          code: 'router-map-failed',
          message: `Portico could not open the ports on your router: ${(s.error ?? 'no mapping was accepted').replace(/\.$/, '')}.`,
          fix: 'Turn on UPnP (or NAT-PMP/PCP) in the router\'s settings and try again, or forward the ports by hand with the numbers shown.',
        });
      }
      return ok(s);
    },
    async diagnose(): Promise<Result<Finding[]>> {
      const c = o.config();
      const domain = primaryDomain(c.domains) ?? '';
      const facts = await gatherFacts({
        domain, publicHttpsPort: c.door.publicHttpsPort, router: m.getStatus(), publicIp: publicIpProviders(c, o.publicIpCa),
        resolver: c.dns.resolver, doorFingerprint256: o.doorFingerprint256?.() ?? null,
      });
      return ok(diagnose(facts));
    },
  };
}

/**
 * The Domain step's live check: does each name resolve to the address the internet sees?
 * The public address comes from the configured services, else the router's own WAN address.
 */
export function dnsApi(o: ReachabilityOptions & { router?: RouterManagerLike; onRecords?: (records: AppStatus['dns']['records']) => void }): DnsApi {
  return {
    async check() {
      const c = o.config();
      let publicAddress: string | null = null;
      for (const p of publicIpProviders(c, o.publicIpCa)) {
        try { publicAddress = await p.lookup(); break; } catch { /* try the next service */ }
      }
      if (!publicAddress) {
        const r = o.router?.getStatus();
        publicAddress = r?.publicAddress ?? r?.externalAddress ?? null;
      }
      const checks: Check[] = [];
      const records: AppStatus['dns']['records'] = [];
      for (const name of c.domains) {
        const lookup = name.startsWith('*.') ? `portico-check.${name.slice(2)}` : name;
        const r = await resolveAddresses(lookup, c.dns.resolver);
        const all = [...r.a, ...r.aaaa];
        const matches = (vs: string[]) => (publicAddress && vs.length ? vs.includes(publicAddress) : null);
        if (!r.error) {
          if (r.a.length) records.push({ name, type: 'A', values: r.a, matchesPublic: matches(r.a) });
          if (r.aaaa.length) records.push({ name, type: 'AAAA', values: r.aaaa, matchesPublic: null });
        }
        const base = { id: `dns:${name}`, title: `${name} points to this network` };
        if (r.error) checks.push({ ...base, ok: false, detail: r.error, fix: 'Check the internet connection (or dns.resolver in the config) and try again.' });
        else if (all.length === 0) checks.push({ ...base, ok: false, detail: `${name} has no A or AAAA record yet.`, fix: `Create an A record for ${name}${publicAddress ? ` pointing to ${publicAddress}` : ''} at your DNS provider, or turn on dynamic DNS below.` });
        else if (!publicAddress) checks.push({ ...base, ok: null, detail: `${name} resolves to ${all.join(', ')}; this network's public address is unknown, so Portico cannot compare.` });
        else if (all.includes(publicAddress)) checks.push({ ...base, ok: true, detail: `${name} resolves to ${publicAddress}, this network's public address.` });
        else checks.push({ ...base, ok: false, detail: `${name} resolves to ${all.join(', ')}, but this network's public address is ${publicAddress}.`, fix: `Change the A record of ${name} to ${publicAddress}, or turn on dynamic DNS so Portico keeps it current.` });
      }
      o.onRecords?.(records);
      return ok(checks);
    },
  };
}
