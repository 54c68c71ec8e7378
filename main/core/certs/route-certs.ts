/**
 * Certificates for the extra routes (`routes[].host`): one CertManager, so one certificate, per
 * route host. Not one certificate with every name, because
 *  - a route whose DNS or forwarding is not ready yet must not block the renewal of the main
 *    domain (an order fails as a whole when one name fails validation);
 *  - Let's Encrypt counts "5 certificates per exact set of names per week": with one shared
 *    certificate every route added or removed orders a new set, while per-route certificates
 *    leave the main domain's certificate untouched.
 * A route host that one of the domains already covers (`*.example.com` covers
 * `overseerr.example.com`) uses that certificate and gets none of its own.
 */
import type { CertificatesStatus } from '../../shared/status/certificates.ts';
import { Emitter } from '../support/emitter.ts';
import { CertManager, type CertEvent, type CertManagerOptions } from './cert-manager.ts';

export type RouteCertsOptions = Omit<CertManagerOptions, 'domains'>;

/** `name` is covered by `domain`: the same name, or one label below a wildcard. */
function covers(domain: string, name: string): boolean {
  const d = domain.toLowerCase();
  const n = name.toLowerCase();
  if (d === n) return true;
  const dot = n.indexOf('.');
  return d.startsWith('*.') && !n.startsWith('*.') && dot > 0 && n.slice(dot + 1) === d.slice(2);
}

export class RouteCerts {
  private readonly o: RouteCertsOptions;
  private readonly managers = new Map<string, { manager: CertManager; off: () => void }>();
  private readonly events: Emitter<CertEvent>;
  private running = false;

  constructor(o: RouteCertsOptions) {
    this.o = o;
    this.events = new Emitter('certificate event', o.logger);
  }

  /** The route hosts that need a certificate of their own (none that `domains` already covers). */
  static hostsNeeding(domains: string[], routeHosts: string[]): string[] {
    const hosts = [...new Set(routeHosts.map((h) => h.toLowerCase()))];
    return hosts.filter((h) => !domains.some((d) => covers(d, h)));
  }

  /** Keep one manager per host: new hosts get one (started when running), removed hosts' stop. */
  async update(hosts: string[]): Promise<void> {
    const want = new Set(hosts.map((h) => h.toLowerCase()));
    for (const [host, m] of this.managers) {
      if (want.has(host)) continue;
      this.managers.delete(host);
      m.off();
      await m.manager.stop();
    }
    for (const host of want) {
      if (this.managers.has(host)) continue;
      const manager = new CertManager({ ...this.o, domains: [host] });
      const off = manager.onDidChange((ev) => this.events.emit(ev));
      this.managers.set(host, { manager, off });
      if (this.running) await manager.start();
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const m of this.managers.values()) await m.manager.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.managers.values()].map((m) => m.manager.stop()));
  }

  getStatus(): CertificatesStatus {
    return [...this.managers.values()].flatMap((m) => m.manager.getStatus());
  }

  onDidChange(fn: (ev: CertEvent) => void): () => void {
    return this.events.on(fn);
  }
}
