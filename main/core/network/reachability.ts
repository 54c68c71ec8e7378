/**
 * How the internet reaches this network, wired once for everyone who asks: the service (the
 * Domain step's DNS check, the router diagnosis), `portico doctor` and dynamic DNS.
 *
 * The public-address rule, written only here: ask the services in order (STUN first: it is cheap;
 * then the HTTP endpoints) — the configured ones, else the built-in lists, none when
 * publicIp.lookup is false; when none answers, take the router's own WAN address — but only when
 * it is a public address: a carrier-grade NAT or private one is not what the internet sees, and
 * writing it to DNS would break the name. When a service answered, the router's address is the
 * cross-check (diagnose.ts: a router address that differs means another NAT beyond it).
 */
import type { Check } from '../../shared/api.ts';
import { DEFAULT_HTTP_ENDPOINTS, DEFAULT_STUN_SERVERS, type Config } from '../../shared/config.ts';
import type { Finding, RouterStatus } from '../../shared/status/router.ts';
import { checkDns, type DnsRecords } from './dns-check.ts';
import { diagnose, type ReachabilityFacts } from './diagnose.ts';
import { isPublicAddress } from '../../shared/ip-address.ts';
import { primaryDomain } from '../../shared/primary-domain.ts';
import { gatherFacts } from './gather-facts.ts';
import { HttpPublicIp } from './http-public-ip.ts';
import { lookupPublicAddress, type PublicAddress, type PublicIpProvider } from './public-ip-provider.ts';
import { StunPublicIp } from './stun-public-ip.ts';

export interface ReachabilityOptions {
  domains: string[];
  /** The WAN port clients use for HTTPS (door.publicHttpsPort). */
  publicHttpsPort: number;
  /** dns.resolver: "ip" or "ip:port"; null = the system's resolver. */
  resolver: string | null;
  /** The configured public-address services, asked in order before the router. */
  services: PublicIpProvider[];
  /** The router as known now (its WAN address, mappings, gateway). */
  router: () => RouterStatus;
  /** SHA-256 fingerprint of the certificate the door serves for a host, so the hairpin check tells our door from the router's own page. */
  doorFingerprint256?: (host: string) => string | null;
  /** Port 80 from outside, as the CA's last look found it (null = unknown). */
  port80?: () => 'open' | 'blocked' | null;
}

export interface ReachabilityDeps {
  router: () => RouterStatus;
  doorFingerprint256?: (host: string) => string | null;
  port80?: () => 'open' | 'blocked' | null;
  /** Extra CA to trust for the HTTPS what-is-my-IP endpoints (tests, a private service). */
  publicIpCa?: string;
}

/** The services asked for the public address, in order: the configured ones, else the built-in lists; none with lookups off. */
export function publicAddressSources(p: Config['publicIp']): { stun: string[]; http: string[] } {
  if (!p.lookup) return { stun: [], http: [] };
  if (p.stunServer || p.httpEndpoints.length) return { stun: p.stunServer ? [p.stunServer] : [], http: [...p.httpEndpoints] };
  return { stun: [...DEFAULT_STUN_SERVERS], http: [...DEFAULT_HTTP_ENDPOINTS] };
}

export interface Diagnosis { domain: string; facts: ReachabilityFacts; findings: Finding[] }

export class Reachability {
  private readonly o: ReachabilityOptions;
  private records: DnsRecords = [];
  private last: PublicAddress | null = null;

  static fromConfig(c: Config, deps: ReachabilityDeps): Reachability {
    const sources = publicAddressSources(c.publicIp);
    const services: PublicIpProvider[] = [
      ...sources.stun.map((server) => new StunPublicIp(server)),
      ...sources.http.map((u) => new HttpPublicIp(u, deps.publicIpCa ? { ca: deps.publicIpCa } : {})),
    ];
    return new Reachability({
      domains: c.domains, publicHttpsPort: c.door.publicHttpsPort, resolver: c.dns.resolver, services,
      router: deps.router, ...(deps.doorFingerprint256 ? { doorFingerprint256: deps.doorFingerprint256 } : {}), ...(deps.port80 ? { port80: deps.port80 } : {}),
    });
  }

  constructor(o: ReachabilityOptions) {
    this.o = o;
  }

  /** The services, then the router's WAN address (see the rule above). */
  private providers(): PublicIpProvider[] {
    const router: PublicIpProvider = {
      name: "the router's WAN address",
      lookup: async () => {
        const a = this.o.router().externalAddress;
        if (!a) throw new Error('the router has not told its WAN address (UPnP, NAT-PMP or PCP)');
        if (!isPublicAddress(a)) throw new Error(`${a} is not a public address (another NAT sits between the router and the internet)`);
        return a;
      },
    };
    return [...this.o.services, router];
  }

  /** The address the internet sees, with where it came from, or why it is unknown. Never throws. */
  async publicAddress(): Promise<PublicAddress> {
    const r = await lookupPublicAddress(this.providers());
    this.last = r.address || this.o.services.length ? r : { ...r, error: `public-address lookups are off (publicIp.lookup), and ${r.error}` };
    return this.last;
  }

  /** What the last look found (null before the first): the status shows it for the A record. */
  lastPublicAddress(): PublicAddress | null {
    return this.last;
  }

  /** The public address, or an Error saying why it is unknown (what dynamic DNS needs). */
  async requirePublicAddress(): Promise<string> {
    const p = await this.publicAddress();
    if (!p.address) throw new Error(p.error ?? 'no public-address service answered');
    return p.address;
  }

  /** The DNS check of every configured name; the records found are kept for the status. */
  async checkDns(): Promise<Check[]> {
    const r = await checkDns({ names: this.o.domains, resolver: this.o.resolver, publicAddress: (await this.publicAddress()).address });
    this.records = r.records;
    return r.checks;
  }

  /**
   * Before the first certificate order for `names`: why it should wait, or null to go ahead. Only
   * names that certainly lead elsewhere hold it back (the public address is known, and the name has
   * no record or other addresses): the CA would not reach the door, and each failed validation
   * counts against the name's limits. With the public address unknown the CA's answer decides.
   */
  async orderHeldBack(names: string[]): Promise<{ message: string; fix: string } | null> {
    const address = (await this.publicAddress()).address;
    const r = await checkDns({ names, resolver: this.o.resolver, publicAddress: address });
    if (!address || r.elsewhere.length === 0) return null;
    const what = r.elsewhere.map((e) => `${e.name} ${e.found.length ? `points to ${e.found.join(', ')}` : 'has no A record yet'}`).join('; ');
    const which = r.elsewhere.map((e) => e.name).join(' and ');
    return {
      message: `${what}, but this network's public address is ${address}. Portico has not asked for the certificate yet: the certificate authority could not reach this computer, and failed attempts count against the name's limits.`,
      fix: `At your DNS provider, point the A record of ${which} to ${address} (or turn on dynamic DNS). Portico checks again on its own and asks for the certificate once the name points here.`,
    };
  }

  /** The records the last DNS check found (empty before the first). */
  dnsRecords(): DnsRecords {
    return this.records;
  }

  /** Gather the facts (public address, DNS, hairpin) and diagnose them. Needs a domain. */
  async diagnose(): Promise<Diagnosis> {
    const domain = primaryDomain(this.o.domains);
    if (!domain) throw new Error('Reachability.diagnose: no domain is configured (setup pending); check for that before asking');
    const facts = await gatherFacts({
      domain, publicHttpsPort: this.o.publicHttpsPort, router: this.o.router(), publicIp: this.providers(), resolver: this.o.resolver,
      doorFingerprint256: this.o.doorFingerprint256?.(domain) ?? null,
      ...(this.o.port80 ? { checkPort80: async () => this.o.port80!() } : {}),
    });
    this.last = { address: facts.publicAddress ?? null, from: null, error: facts.publicAddressError ?? null };
    return { domain, facts, findings: diagnose(facts) };
  }
}
