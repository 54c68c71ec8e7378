import type { ChallengeStore } from '../certs/challenge-store.ts';
import type { Clock } from '../support/clock.ts';
import type { LoadedConfigValue } from '../state/config-store.ts';
import type { EventLog } from '../state/event-log.ts';
import type { Logger } from '../support/logger.ts';
import type { SecretStore } from '../support/secret-store.ts';
import type { Door } from '../proxy/door.ts';
import type { AppStatus } from '../../shared/status.ts';
import { CertManager, type CertEvent } from '../certs/cert-manager.ts';
import { CertStore } from '../certs/cert-store.ts';
import { OutsideCheck } from '../certs/outside-check.ts';
import { RouteCerts } from '../certs/route-certs.ts';
import { DdnsUpdater } from '../network/ddns-updater.ts';
import { Reachability } from '../network/reachability.ts';
import type { PublicAddress } from '../network/public-ip-provider.ts';
import type { RouterStatus } from '../../shared/status/router.ts';
import { RouterManager, type RouterManagerOptions } from '../network/router-manager.ts';
import { PlexManager, type PlexManagerOptions } from '../plex/plex-manager.ts';

/** Test and demo hooks: where plex.tv and the router are, and how long to wait for them. */
export interface ManagerHooks {
  plex?: Pick<PlexManagerOptions, 'plexTvBaseUrl' | 'tokenSources' | 'reachabilityPoll'>;
  router?: Pick<RouterManagerOptions, 'upnpDescriptionUrl' | 'ssdpTimeoutMs' | 'udpWaitsMs' | 'lanAddress'>;
  /** Extra CA for the HTTPS what-is-my-IP endpoints (tests, a private service). */
  publicIpCa?: string;
}

export interface ServiceManagersOptions extends ManagerHooks {
  dataDir: string;
  secrets: SecretStore;
  clock: Clock;
  logger: Logger;
  /** Where the door listens now (the router maps to these). */
  door: Pick<Door, 'ports'>;
  /** Install a certificate in the door (the service remembers its fingerprint for the hairpin check). */
  serveCertificate(hosts: string[], pem: { key: string; cert: string }, kind: 'placeholder' | 'real'): void;
  /** SHA-256 fingerprint of the certificate the door serves for a host. */
  doorFingerprint256: (host: string) => string | null;
  challenges: ChallengeStore;
  events: EventLog;
  changed(): void;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The service's managers for the current config: CertManager (none while no domain is chosen),
 * PlexManager, RouterManager, Reachability and the dynamic DNS updater, each from its own
 * `fromConfig`. `build` replaces the ones a config change affects, dropping the old ones'
 * subscriptions.
 */
export class ServiceManagers {
  certs: CertManager | null = null;
  /** One certificate per extra route host (certs/route-certs.ts says why). */
  routeCerts: RouteCerts | null = null;
  plex!: PlexManager;
  router!: RouterManager;
  reachability!: Reachability;
  /** The CA's view from outside (null while no plain domain is chosen). */
  outside: OutsideCheck | null = null;
  ddns: DdnsUpdater | null = null;
  /** The reason dynamic DNS last held back, so the event is recorded once per hold. */
  private heldFor: string | null = null;
  private readonly o: ServiceManagersOptions;
  private readonly unsub = new Map<'certs' | 'routeCerts' | 'plex' | 'router' | 'ddns', () => void>();
  private background = false;

  constructor(o: ServiceManagersOptions) {
    this.o = o;
  }

  async build(c: LoadedConfigValue, prev: LoadedConfigValue | null): Promise<void> {
    const o = this.o;
    const names = !prev || prev.domains.join() !== c.domains.join();
    if (names || !same(prev?.acme, c.acme) || !same(prev?.dns, c.dns)) {
      await this.certs?.stop();
      this.certs = c.domains.length === 0 ? null : CertManager.fromConfig(c, {
        secrets: o.secrets, challenges: o.challenges, clock: o.clock, logger: o.logger,
        onCertificate: (hosts, pem, kind) => { o.serveCertificate(hosts, pem, kind); o.changed(); },
        // A new name is ordered only once its DNS leads here (a domain changed after setup would otherwise be ordered at once).
        beforeFirstOrder: (domains) => this.reachability.orderHeldBack(domains),
      });
      this.subscribe('certs', this.certs?.onDidChange((ev) => { this.record(ev); o.changed(); }));
      if (this.background) await this.certs?.start();
    }
    if (names || !same(prev?.acme, c.acme) || !same(prev?.door, c.door)) {
      this.outside = OutsideCheck.fromConfig(c, { secrets: o.secrets, challenges: o.challenges, clock: o.clock, logger: o.logger, platform: process.platform });
    }
    if (!same(prev?.acme, c.acme) || !same(prev?.dns, c.dns) || (c.domains.length === 0) !== !this.routeCerts) {
      await this.routeCerts?.stop();
      this.routeCerts = c.domains.length === 0 ? null : new RouteCerts({
        acme: c.acme, dns: c.dns, dataDir: o.dataDir, secrets: o.secrets, challenges: o.challenges, clock: o.clock, logger: o.logger,
        onCertificate: (hosts, pem, kind) => { o.serveCertificate(hosts, pem, kind); o.changed(); },
      });
      this.subscribe('routeCerts', this.routeCerts?.onDidChange((ev) => { this.record(ev); o.changed(); }));
      if (this.background) await this.routeCerts?.start();
    }
    await this.routeCerts?.update(RouteCerts.hostsNeeding(c.domains, c.routes.map((r) => r.host)));
    if (names || !same(prev?.plex, c.plex) || prev?.door.publicHttpsPort !== c.door.publicHttpsPort) {
      this.plex = PlexManager.fromConfig(c, {
        secrets: o.secrets, logger: o.logger, clock: o.clock, ...o.plex, customCertificate: () => this.pkcs12ForPlex(c),
      });
      this.subscribe('plex', this.plex.onDidChange(() => o.changed()));
    }
    if (!prev || prev.router.mode !== c.router.mode || prev.router.mapPlexPort !== c.router.mapPlexPort || prev.door.publicHttpsPort !== c.door.publicHttpsPort) {
      const had = !!prev;
      await this.router?.stop({ removeMappings: c.router.mode === 'manual' || c.router.mode === 'off' });
      this.router = RouterManager.fromConfig(c, { clock: o.clock, logger: o.logger, bound: o.door.ports(), ...o.router });
      this.subscribe('router', this.router.onDidChange(() => o.changed()));
      // A mode chosen in the wizard is tried at once; at start-up only once setup produced something to keep.
      // Manual and off ask the router nothing: they only read the routing table (gateway, LAN address), so at once.
      if (!automatic(c) || had || this.background) this.inBackground(automatic(c) ? 'mapping the router ports' : 'finding the gateway', this.router.start());
    }
    if (names || !same(prev?.dns, c.dns) || !same(prev?.publicIp, c.publicIp) || prev?.door.publicHttpsPort !== c.door.publicHttpsPort) {
      this.reachability = Reachability.fromConfig(c, {
        router: () => this.router.getStatus(), doorFingerprint256: o.doorFingerprint256, port80: () => this.outside?.port80() ?? null,
        ...(o.publicIpCa ? { publicIpCa: o.publicIpCa } : {}),
      });
      this.ddns?.stop();
      this.ddns = DdnsUpdater.fromConfig(c, { reachability: this.reachability, clock: o.clock, logger: o.logger });
      this.subscribe('ddns', this.ddns?.onDidChange((d) => {
        // Once per hold, not once per check: the reason stays on the status meanwhile.
        if (d.state === 'held' && d.error !== this.heldFor) o.events.add('ddns-held', 'warning', `${d.error}.`);
        this.heldFor = d.state === 'held' ? (d.error ?? null) : null;
        o.changed();
      }));
      if (this.ddns) this.inBackground('updating dynamic DNS', this.ddns.start());
    }
  }

  /** The managers' parts of the status (before the first build: what the config says). */
  status(c: LoadedConfigValue): Pick<AppStatus, 'certificates' | 'plex' | 'router' | 'dns'> {
    const built = this.router !== undefined;
    const ddns = this.ddns?.getStatus();
    return {
      certificates: [...(this.certs?.getStatus() ?? []), ...(this.routeCerts?.getStatus() ?? [])],
      plex: built ? this.plex.getStatus() : { state: 'unknown', url: c.plex.url, signedIn: false, applied: false },
      router: built ? { ...this.router.getStatus(), ...publicAddressOf(this.reachability.lastPublicAddress()), ...(ddns ? { ddns } : {}) } : { mode: c.router.mode, state: 'off', mappings: [], findings: [] },
      dns: { records: built ? this.reachability.dnsRecords() : [], ...(ddns?.lastUpdate ? { lastDdnsUpdate: ddns.lastUpdate } : {}) },
    };
  }

  /** A real certificate for the current names is on disk (a restart mid-setup keeps serving it). */
  async hasRealCertificate(domains: string[]): Promise<boolean> {
    if (domains.length === 0) return false;
    return (await new CertStore(this.o.dataDir, domains).load()).cert !== null;
  }

  /** Renewals and first orders run on their own (startBackground was called). */
  get backgroundStarted(): boolean {
    return this.background;
  }

  /** Renewals (and keeping router leases) run once setup has produced something to keep. */
  async startBackground(): Promise<void> {
    if (this.background) return;
    this.background = true;
    await this.certs?.start();
    await this.routeCerts?.start();
    if (automatic({ router: { mode: this.router.getStatus().mode } }) && this.router.getStatus().state === 'off') {
      this.inBackground('mapping the router ports', this.router.start());
    }
  }

  async stop(): Promise<void> {
    for (const u of this.unsub.values()) u();
    this.unsub.clear();
    this.ddns?.stop();
    await this.certs?.stop();
    await this.routeCerts?.stop();
    await this.router?.stop({ removeMappings: false });
  }

  /**
   * Work nobody awaits: a thrown I/O error (an unwritable data directory) is logged, not left as an
   * unhandled rejection that would end the process; the status is recomputed either way.
   */
  private inBackground(what: string, p: Promise<unknown>): void {
    void p
      .catch((e: unknown) => this.o.logger.error(`${what} failed; check that the data directory is writable, then use Retry in the dashboard`, { error: e }))
      .finally(() => this.o.changed());
  }

  private subscribe(key: 'certs' | 'routeCerts' | 'plex' | 'router' | 'ddns', off: (() => void) | undefined): void {
    this.unsub.get(key)?.();
    if (off) this.unsub.set(key, off);
    else this.unsub.delete(key);
  }

  /** CertManager's events go to the dashboard's event list. */
  private record(ev: CertEvent): void {
    const names = ev.status.domains.join(', ');
    const until = ev.status.notAfter?.slice(0, 10) ?? '?';
    if (ev.kind === 'cert-damaged') {
      this.o.events.add(ev.kind, 'warning', `${ev.status.damaged?.problem ?? `The certificate files for ${names} are damaged.`} ${ev.status.damaged?.fix ?? ''}`.trim());
    } else if (ev.kind === 'cert-failed' && ev.status.lastError?.code === 'dns-not-ready') {
      this.o.events.add(ev.kind, 'warning', `Certificate for ${names} not requested yet: ${ev.status.lastError.message} ${ev.status.lastError.fix ?? ''}`.trim());
    } else if (ev.kind === 'cert-failed') {
      this.o.events.add(ev.kind, 'error', `Certificate request for ${names} failed: ${ev.status.lastError?.message ?? 'unknown error'}${ev.nextAttemptAt ? ` Next try ${ev.nextAttemptAt.slice(0, 16).replace('T', ' ')} UTC.` : ''}`);
    } else {
      this.o.events.add(ev.kind, 'info', `Certificate for ${names} ${ev.kind === 'cert-renewed' ? 'renewed' : 'obtained'}, valid until ${until}.`);
    }
  }

  /**
   * PMS's custom-certificate prefs: the PKCS#12 export of the current certificate, handed to
   * PlexManager through its `customCertificate` option. null (PlexManager then says to get the
   * certificate first) when no certificate exists yet; setup pending never gets here (the handler
   * answers it).
   */
  private async pkcs12ForPlex(c: LoadedConfigValue): Promise<{ path: string; passphrase: string; domain: string } | null> {
    const certs = this.certs;
    if (!certs || !(await this.hasRealCertificate(c.domains))) return null;
    return { ...(await certs.exportPkcs12()), domain: c.domains[0]! };
  }
}

function automatic(c: { router: { mode: LoadedConfigValue['router']['mode'] } }): boolean {
  return c.router.mode !== 'off' && c.router.mode !== 'manual';
}

/** The last look at the public address as the router status shows it (nothing before the first look). */
function publicAddressOf(p: PublicAddress | null): Pick<RouterStatus, 'publicAddress' | 'publicAddressError'> {
  if (!p) return {};
  return p.address ? { publicAddress: p.address } : { publicAddressError: p.error ?? 'no public-address service answered' };
}
