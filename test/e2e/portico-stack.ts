/**
 * The whole headless service composed from the real pieces — Door, CertManager, PlexManager,
 * RouterManager, ConfigStore, WizardStore, EventLog — behind HeadlessUi, for the end-to-end
 * wizard test and `npm run demo`. It is what main/core/service.ts composes once the lead wires
 * it in (that file belongs to the door's owner while this is built); nothing here is a stand-in.
 *
 * Config changes apply without a restart: a new domain gets door routes, a placeholder and its
 * own CertManager; a new router mode a new RouterManager. The renewal loop starts once a real
 * certificate exists or the wizard is finished, so an unfinished setup never hammers the CA.
 */
import type { AppStatus } from '../../main/shared/status.ts';
import { health } from '../../main/shared/health.ts';
import { ChallengeStore } from '../../main/core/challenge-store.ts';
import type { Clock } from '../../main/core/clock.ts';
import type { Logger } from '../../main/core/logger.ts';
import type { SecretStore } from '../../main/core/secret-store.ts';
import { ConfigStore, type LoadedConfigValue } from '../../main/core/config-store.ts';
import { WizardStore } from '../../main/core/wizard-store.ts';
import { EventLog } from '../../main/core/event-log.ts';
import { porticoVersion } from '../../main/core/version.ts';
import { Door, type DoorRoute } from '../../main/core/proxy/door.ts';
import { placeholderCert } from '../../main/core/proxy/placeholder-cert.ts';
import { CertManager } from '../../main/core/certs/cert-manager.ts';
import { PlexManager, type PlexManagerOptions } from '../../main/core/plex/plex-manager.ts';
import { RouterManager, type RouterManagerOptions } from '../../main/core/network/router-manager.ts';
import { certsApi, dnsApi, pkcs12ForPlex, plexApi, routerApi, type CertManagerLike, type PlexManagerLike, type RouterManagerLike } from '../../main/core/api-adapters.ts';
import { HeadlessUi } from '../../main/core/ui/headless-ui.ts';

export interface StackOptions {
  configPath: string;
  dataDir: string;
  secrets: SecretStore;
  clock: Clock;
  logger: Logger;
  staticDir: string | null;
  demo?: boolean;
  /** Roots the Verify step trusts besides the system's (pebble's). */
  extraTrustedCAs?: string[];
  plex?: Pick<PlexManagerOptions, 'plexTvBaseUrl' | 'tokenSources' | 'reachabilityPoll'>;
  router?: Pick<RouterManagerOptions, 'upnpDescriptionUrl' | 'ssdpTimeoutMs' | 'udpWaitsMs' | 'lanAddress'>;
}

export class PorticoStack {
  readonly configStore: ConfigStore;
  readonly events: EventLog;
  readonly wizard: WizardStore;
  readonly door: Door;
  ui!: HeadlessUi;
  private readonly o: StackOptions;
  private readonly challenges = new ChallengeStore();
  private certs!: CertManager;
  private plex!: PlexManager;
  private router!: RouterManager;
  private renewing = false;
  private readonly listeners = new Set<(s: AppStatus) => void>();
  private readonly unsub: (() => void)[] = [];
  /** Subscriptions to the current managers, dropped when a manager is replaced. */
  private readonly managerUnsub = new Map<'certs' | 'plex' | 'router', () => void>();
  private last = '';
  private current: LoadedConfigValue;
  private dnsRecords: AppStatus['dns']['records'] = [];

  private constructor(o: StackOptions, configStore: ConfigStore) {
    this.o = o;
    this.configStore = configStore;
    this.events = new EventLog({ clock: o.clock });
    this.wizard = new WizardStore(o.dataDir);
    const c = configStore.get();
    this.current = c;
    const plexUrl = new URL(c.plex.url);
    this.door = new Door({
      bind: c.door.bind, httpsPorts: c.door.httpsPorts, httpPort: c.door.httpPort, publicHttpsPort: c.door.publicHttpsPort, hsts: c.door.hsts,
      routes: routesOf(c), passthrough: { host: plexUrl.hostname, port: c.plex.tlsPort }, challenges: this.challenges, logger: o.logger,
    });
  }

  static async start(o: StackOptions): Promise<PorticoStack> {
    const opened = await ConfigStore.open({ path: o.configPath, dataDir: o.dataDir, secrets: o.secrets });
    if (!opened.ok) throw new Error(`config: ${opened.error.map((p) => `${p.key}: ${p.message}`).join('; ')}`);
    const s = new PorticoStack(o, opened.value);
    await s.door.start();
    await s.build(opened.value.get(), null);
    s.unsub.push(s.configStore.onDidChange((c) => { void s.reconfigure(c); }));
    const withStatus = <T>(fn: () => Promise<T>) => async () => { try { return await fn(); } finally { s.changed(); } };
    const plexNow: PlexManagerLike = {
      discover: () => s.plex.discover(), startPinSignIn: () => s.plex.startPinSignIn(), pollPinSignIn: () => s.plex.pollPinSignIn(),
      plan: (x) => s.plex.plan(x), apply: (x) => s.plex.apply(x), undo: () => s.plex.undo(), verify: () => s.plex.verify(),
    };
    const routerNow: RouterManagerLike = { start: () => s.router.start(), getStatus: () => s.router.getStatus() };
    const reach = { config: () => s.configStore.get() };
    const certsNow: CertManagerLike = { renewNow: (x) => s.certs.renewNow(x), exportPkcs12: () => s.certs.exportPkcs12() };
    const plex = plexApi(plexNow, pkcs12ForPlex(certsNow, () => s.configStore.get().domains[0]!));
    const router = routerApi(routerNow, reach);
    const certs = certsApi(certsNow, () => s.startBackground());
    const wrap = <T extends object>(api: T): T => Object.fromEntries(Object.entries(api).map(([k, f]) => [k, (...a: unknown[]) => withStatus(() => (f as (...x: unknown[]) => Promise<unknown>)(...a))()])) as T;
    s.ui = await HeadlessUi.start({
      dataDir: o.dataDir, port: s.configStore.get().ui.port, staticDir: o.staticDir, logger: o.logger, clock: o.clock,
      service: { getStatus: () => s.getStatus(), onDidChangeStatus: (fn) => s.onDidChangeStatus(fn) },
      configStore: s.configStore, events: s.events,
      wizardStore: {
        get: () => s.wizard.get(),
        save: async (w) => {
          const saved = await s.wizard.save(w);
          if (saved.finished) await s.startBackground();
          return saved;
        },
      },
      plex: wrap(plex), certs: wrap(certs), router: wrap(router), dns: dnsApi({ ...reach, router: routerNow, onRecords: (r) => { s.dnsRecords = r; s.changed(); } }),
      extraTrustedCAs: () => o.extraTrustedCAs ?? [],
    });
    if ((await s.wizard.get()).finished) await s.startBackground();
    void s.plex.discover().finally(() => s.changed());
    return s;
  }

  getStatus(): AppStatus {
    const c = this.configStore.get();
    const partial = {
      version: porticoVersion(), demo: !!this.o.demo, domains: c.domains,
      door: this.door.getStatus(), certificates: this.certs.getStatus(), plex: this.plex.getStatus(), router: this.router.getStatus(),
      dns: { records: this.dnsRecords },
    };
    return { ...partial, health: health(partial) };
  }

  onDidChangeStatus(fn: (s: AppStatus) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  async stop(): Promise<void> {
    for (const u of [...this.unsub.splice(0), ...this.managerUnsub.values()]) u();
    this.managerUnsub.clear();
    await this.ui?.stop();
    await this.certs.stop();
    await this.router.stop({ removeMappings: false });
    await this.door.stop(0);
  }

  /** Tell listeners when the status really changed. */
  private changed(): void {
    const s = this.getStatus();
    const text = JSON.stringify(s);
    if (text === this.last) return;
    this.last = text;
    for (const fn of [...this.listeners]) fn(s);
  }

  /** Renewals (and keeping router leases) run once setup has produced something to keep. */
  private async startBackground(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    await this.certs.start();
    const mode = this.current.router.mode;
    if (mode !== 'off' && mode !== 'manual' && this.router.getStatus().state === 'off') void this.router.start().finally(() => this.changed());
  }

  private async build(c: LoadedConfigValue, prev: LoadedConfigValue | null): Promise<void> {
    const o = this.o;
    if (!prev || prev.domains.join() !== c.domains.join() || JSON.stringify(prev.acme) !== JSON.stringify(c.acme) || JSON.stringify(prev.dns) !== JSON.stringify(c.dns)) {
      const ph = await placeholderCert(o.dataDir, c.domains);
      this.door.setCertificate(ph.hosts, { key: ph.key, cert: ph.cert }, 'placeholder');
      this.door.setRoutes(routesOf(c));
      await this.certs?.stop();
      this.certs = new CertManager({
        domains: c.domains, acme: c.acme, dns: c.dns, dataDir: o.dataDir, secrets: o.secrets, challenges: this.challenges, clock: o.clock, logger: o.logger,
        onCertificate: (hosts, pem, kind) => { this.door.setCertificate(hosts, pem, kind); this.changed(); },
      });
      this.managerUnsub.get('certs')?.();
      this.managerUnsub.set('certs', this.certs.onDidChange((ev) => {
        const names = ev.status.domains.join(', ');
        const until = ev.status.notAfter?.slice(0, 10) ?? '?';
        if (ev.kind === 'cert-failed') this.events.add(ev.kind, 'error', `Certificate request for ${names} failed: ${ev.status.lastError?.message ?? 'unknown error'}${ev.nextAttemptAt ? ` Next try ${ev.nextAttemptAt.slice(0, 16).replace('T', ' ')} UTC.` : ''}`);
        else this.events.add(ev.kind, 'info', `Certificate for ${names} ${ev.kind === 'cert-renewed' ? 'renewed' : 'obtained'}, valid until ${until}.`);
        this.changed();
      }));
      if (this.renewing) await this.certs.start();
      this.plex = new PlexManager({
        plex: c.plex, domains: c.domains, publicHttpsPort: c.door.publicHttpsPort, dataDir: o.dataDir, secrets: o.secrets, logger: o.logger, clock: o.clock, ...o.plex,
      });
      this.managerUnsub.get('plex')?.();
      this.managerUnsub.set('plex', this.plex.onDidChange(() => this.changed()));
    }
    if (!prev || prev.router.mode !== c.router.mode || prev.router.mapPlexPort !== c.router.mapPlexPort) {
      const hadRouter = !!this.router;
      await this.router?.stop({ removeMappings: c.router.mode === 'manual' || c.router.mode === 'off' });
      const ports = this.door.ports();
      this.router = new RouterManager({
        mode: c.router.mode, dataDir: o.dataDir, clock: o.clock, logger: o.logger, gateway: c.router.gateway,
        doors: { https: ports.https[0] ?? c.door.httpsPorts[0]!, http: ports.http, plexHttps: c.router.mapPlexPort ? (ports.https[1] ?? null) : null },
        ...o.router,
      });
      this.managerUnsub.get('router')?.();
      this.managerUnsub.set('router', this.router.onDidChange(() => this.changed()));
      if (hadRouter && c.router.mode !== 'off' && c.router.mode !== 'manual') void this.router.start();
    }
  }

  private async reconfigure(c: LoadedConfigValue): Promise<void> {
    const prev = this.current;
    this.current = c;
    if (prev.domains.join() !== c.domains.join()) this.dnsRecords = [];
    await this.build(c, prev);
    this.changed();
  }
}

function routesOf(c: LoadedConfigValue): DoorRoute[] {
  return [...c.domains.filter((d) => !d.startsWith('*.')).map((host) => ({ host, upstream: c.plex.url })), ...c.routes];
}
