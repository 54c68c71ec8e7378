/**
 * The composition root: the door, certificates, Plex, the router and dynamic DNS built from the
 * config, plus the config, wizard and event stores and the API over them. `portico serve`, the
 * desktop app, the demo and the end-to-end test all run this one composition.
 *
 * Config changes apply without a restart: a new domain gets door routes, a placeholder and its
 * own CertManager; a new router mode a new RouterManager. With no domain yet ("setup pending")
 * the door runs without routes (only plex.direct names pass through to PMS; every other name is
 * refused) and no certificate is ordered.
 * The renewal loop starts once a real certificate exists or the wizard is finished, so an
 * unfinished setup never hammers the CA.
 *
 * A little over 300 lines: it is the one place where the pieces meet (door, managers, checks,
 * alerts, events), and each piece's own logic already lives in its own module.
 */
import { X509Certificate } from 'node:crypto';
import type { PorticoApiHandlers } from '../../shared/api.ts';
import type { ConfigProblem } from '../../shared/config.ts';
import { ok, type Result } from '../../shared/result.ts';
import type { AppStatus, Health } from '../../shared/status.ts';
import { health, statusChecks } from '../../shared/health.ts';
import type { Check } from '../../shared/checks.ts';
import { createApiHandlers } from './api-handlers.ts';
import { ChallengeStore } from '../certs/challenge-store.ts';
import type { Clock, Timer } from '../support/clock.ts';
import { ConfigStore, type LoadedConfigValue } from '../state/config-store.ts';
import { EventLog } from '../state/event-log.ts';
import { DataDir } from '../support/data-dir.ts';
import { Redactor, type Logger } from '../support/logger.ts';
import { Emitter } from '../support/emitter.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { configSecrets } from './diagnostics.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { porticoVersion } from '../support/version.ts';
import { reduceMemory } from '../support/reduce-memory.ts';
import { WizardStore } from '../state/wizard-store.ts';
import { Door, type DoorRoute } from '../proxy/door.ts';
import { placeholderCert } from '../proxy/placeholder-cert.ts';
import type { HeadlessUiOptions } from '../ui/headless-ui.ts';
import { ServiceManagers, type ManagerHooks } from './service-managers.ts';
import { CheckRunner } from './check-runner.ts';
import { serviceProbes } from './probes.ts';
import { AlertSender, alertFor } from '../alerts/alert-sender.ts';

export interface ServiceOptions extends ManagerHooks {
  configStore: ConfigStore;
  dataDir: string;
  secrets: SecretStore;
  clock: Clock;
  logger: Logger;
  /** Demo mode (`npm run demo`): shown in the status and the UI. */
  demo?: boolean;
  /** Roots the Verify step trusts besides the system's (the demo's and tests' pebble root). */
  extraTrustedCAs?: string[];
  /**
   * Start renewals and router mappings at start when the config already names a domain (a config
   * written by hand for `portico serve`). Otherwise they start once the wizard is finished or a
   * real certificate exists, so an unfinished setup never hammers the CA.
   */
  beginAtStart?: boolean;
  /** How often PMS reachability is re-checked in the background. [60 s] */
  healthPollMs?: number;
  /** How often the checks behind the verdict re-run on their own. [15 min] */
  checkIntervalMs?: number;
}

/** How long stop() lets in-flight streams finish before cutting them. */
const STOP_GRACE_MS = 10_000;
const HEALTH_POLL_MS = 60_000;
/**
 * When start's work (the door, the first checks, a due order's first try) is over and what it
 * allocated is garbage: V8's own memory reducer first looks 8 s after start, too.
 */
const AFTER_START_MS = 8_000;

export class Service {
  readonly configStore: ConfigStore;
  readonly events: EventLog;
  readonly wizard: WizardStore;
  readonly door: Door;
  readonly challenges = new ChallengeStore();
  /** The whole PorticoApi over this service (the desktop app's IPC and the headless UI). */
  readonly handlers: PorticoApiHandlers;
  /** What HeadlessUi.start needs from the service besides itself (`HeadlessUi.start({ ...service.api, service, ... })`). */
  readonly api: Pick<HeadlessUiOptions, 'handlers' | 'events' | 'redactInDiagnostics'>;
  private readonly o: ServiceOptions;
  private readonly log: Logger;
  private readonly managers: ServiceManagers;
  /** The probes behind the health verdict (door handshake, DNS, Plex and plex.tv, the CA's view from outside). */
  private readonly checks: CheckRunner;
  /** The facts whose change re-runs the checks (public address, certificate, PMS state, names). */
  private lastFacts = '';
  private readonly statusChanges: Emitter<AppStatus>;
  /** Secrets besides the config's that the diagnostics bundle masks (the headless UI's session token). */
  private readonly diagnosticsSecrets = new Set<string>();
  private readonly unsub: (() => void)[] = [];
  private current: LoadedConfigValue;
  /** SHA-256 fingerprint of the certificate the door serves, by host (what the hairpin check expects to see). */
  private readonly fingerprints = new Map<string, string>();
  private last = '';
  private poll: Timer | null = null;
  /** The one memory-reducing collection after start (support/reduce-memory.ts). */
  private afterStart: Timer | null = null;
  private running = false;
  /** Config changes apply one at a time, in order. */
  private readonly configChanges = new SerialQueue();
  /** Webhook and ntfy alerts when the verdict changes (a headless service has no tray to say it). */
  readonly alerts: AlertSender;
  /** The last settled verdict alerts were decided on ("working" is not one: error → working → error is no news). */
  private alertedHealth: Health | undefined;
  /** Alerts go out one at a time, in the order the verdict changed. */
  private readonly alertQueue = new SerialQueue();

  /** Open the config file (a missing file or no domains is "setup pending") and build the service. */
  static async open(o: Omit<ServiceOptions, 'configStore'> & { configPath: string }): Promise<Result<Service, ConfigProblem[]>> {
    const opened = await ConfigStore.open({ path: o.configPath, dataDir: o.dataDir, secrets: o.secrets, requireDomains: false });
    return opened.ok ? ok(new Service({ ...o, configStore: opened.value })) : opened;
  }

  constructor(o: ServiceOptions) {
    this.o = o;
    this.log = o.logger.child('service');
    this.statusChanges = new Emitter('status', this.log);
    this.configStore = o.configStore;
    // Event texts reach the dashboard: mask the config's secrets (and tokens in URLs or headers) in them.
    this.events = new EventLog({
      clock: o.clock, redact: (s) => this.redactor().text(s), file: new DataDir(o.dataDir).events,
      onWriteError: (e) => this.log.warn('events cannot be kept on disk; they stay in memory until restart', { error: e }),
    });
    this.wizard = new WizardStore(o.dataDir);
    const c = (this.current = o.configStore.get());
    const plexUrl = new URL(c.plex.url);
    this.door = new Door({
      bind: c.door.bind, httpsPorts: c.door.httpsPorts, httpPort: c.door.httpPort, publicHttpsPort: c.door.publicHttpsPort, hsts: c.door.hsts,
      routes: Service.routesOf(c), passthrough: { host: plexUrl.hostname.replace(/^\[|\]$/g, ''), port: c.plex.tlsPort }, challenges: this.challenges, logger: o.logger,
      ticketKeyFile: new DataDir(o.dataDir).ticketKey,
    });
    this.managers = new ServiceManagers({
      ...o, door: this.door, challenges: this.challenges, events: this.events, changed: () => this.changed(),
      serveCertificate: (hosts, pem, kind) => this.serveCertificate(hosts, pem, kind),
      doorFingerprint256: (host) => this.fingerprints.get(host.toLowerCase()) ?? null,
    });
    const m = this.managers;
    this.alerts = new AlertSender({
      channels: () => this.configStore.get().alerts, logger: o.logger, version: porticoVersion(), now: () => o.clock.now(),
      onResult: (channel, alert, r) => {
        const what = alert.kind === 'test' ? 'Test alert' : 'Alert';
        if (r.ok) this.events.add('alert-sent', 'info', `${what} sent by ${channel}: ${alert.title}.`);
        else this.events.add('alert-failed', 'warning', `${what} by ${channel} failed: ${r.error.message}${r.error.fix ? ` ${r.error.fix}` : ''}`);
      },
    });
    this.checks = new CheckRunner({
      probes: () => serviceProbes({
        config: () => this.configStore.get(), status: () => this.getStatus(), plex: () => m.plex, reachability: () => m.reachability,
        outside: () => m.outside, extraTrustedCAs: () => o.extraTrustedCAs ?? [], renewalsRunning: () => m.backgroundStarted,
      }),
      clock: o.clock, logger: o.logger, changed: () => this.changed(), ...(o.checkIntervalMs ? { intervalMs: o.checkIntervalMs } : {}),
    });
    this.handlers = createApiHandlers({
      plex: () => m.plex, certs: () => m.certs, router: () => m.router, reachability: () => m.reachability,
      startBackground: () => this.startBackground(), changed: () => this.changed(),
      configStore: this.configStore,
      events: this.events,
      wizardStore: this.wizard,
      verify: () => this.verify(),
      alerts: () => this.alerts,
      configApplied: () => this.configChanges.idle(),
      getStatus: () => this.getStatus(),
      versions: { portico: porticoVersion(), ...(process.versions.electron ? { electron: process.versions.electron } : {}), node: process.versions.node, platform: `${process.platform}-${process.arch}` },
      now: () => o.clock.now(),
      extraSecrets: () => [...this.diagnosticsSecrets],
      logger: o.logger,
    });
    this.api = { handlers: this.handlers, events: this.events, redactInDiagnostics: (secret) => this.redactInDiagnostics(secret) };
  }

  private redactor(): Redactor {
    const red = new Redactor();
    for (const s of [...configSecrets(this.configStore.get()), ...this.diagnosticsSecrets]) red.add(s);
    return red;
  }

  /** Mask `secret` in diagnostics bundles and event texts too, until the returned function is called. */
  redactInDiagnostics(secret: string): () => void {
    this.diagnosticsSecrets.add(secret);
    return () => { this.diagnosticsSecrets.delete(secret); };
  }

  /** Install a certificate in the door and remember its fingerprint (the hairpin check tells our door by it). */
  private serveCertificate(hosts: string[], pem: { key: string; cert: string }, kind: 'placeholder' | 'real'): void {
    this.door.setCertificate(hosts, pem, kind);
    const fp = new X509Certificate(pem.cert).fingerprint256;
    for (const h of hosts) this.fingerprints.set(h.toLowerCase(), fp);
  }

  /** Each (non-wildcard) domain goes to Plex; extra routes go where they say. */
  static routesOf(c: LoadedConfigValue): DoorRoute[] {
    return [...c.domains.filter((d) => !d.startsWith('*.')).map((host) => ({ host, upstream: c.plex.url })), ...c.routes];
  }

  async start(): Promise<void> {
    const c = this.current;
    await this.placeholders(c);
    try {
      await this.door.start();
    } finally {
      this.changed();
    }
    this.running = true;
    await this.managers.build(c, null);
    this.unsub.push(this.configStore.onDidChange((next) => { this.configChanges.run(() => this.reconfigure(next)).catch((e: unknown) => this.log.error('applying the new settings failed', { error: e })); }));
    const begin = (this.o.beginAtStart && c.domains.length > 0) || (await this.wizard.get()).finished || (await this.managers.hasRealCertificate(c.domains));
    if (begin) await this.startBackground();
    this.checkPlex();
    this.afterStart = this.o.clock.setTimer(() => {
      this.afterStart = null;
      reduceMemory().then((ran) => this.log.debug(ran ? 'returned the memory start-up used' : 'gc() is not exposed; start-up memory stays until V8 frees it'), (e: unknown) => this.log.warn('the collection after start failed', { error: e }));
    }, AFTER_START_MS);
    this.log.info('service started', { domains: c.domains, setupPending: c.domains.length === 0 });
  }

  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.running = false;
    this.poll?.cancel();
    this.afterStart?.cancel();
    this.poll = this.afterStart = null;
    this.checks.stop();
    for (const u of this.unsub.splice(0)) u();
    await this.configChanges.idle();
    await this.managers.stop();
    await this.door.stop(graceMs);
    this.changed();
  }

  getStatus(): AppStatus {
    const c = this.configStore.get();
    const partial = {
      version: porticoVersion(), demo: !!this.o.demo, domains: c.domains,
      door: this.door.getStatus(),
      ...this.managers.status(c),
      checks: this.checks.results(),
    };
    return { ...partial, health: health(partial, this.o.clock.now()) };
  }

  onDidChangeStatus(fn: (s: AppStatus) => void): () => void {
    return this.statusChanges.on(fn);
  }

  /**
   * Renewals, router leases and the scheduled checks run once setup has produced something to
   * keep (a real certificate, a finished wizard), so an unfinished setup never hammers the CA.
   */
  private async startBackground(): Promise<void> {
    await this.managers.startBackground();
    if (this.running) this.checks.start();
  }

  /** Verify: every check, run now because the user asked (the CA too), as the verdict sees them. */
  private async verify(): Promise<Check[]> {
    await this.checks.run({ force: true });
    return statusChecks(this.getStatus(), this.o.clock.now());
  }

  /** Tell listeners when the status really changed, and re-run the checks when a fact they depend on did. */
  private changed(): void {
    const s = this.getStatus();
    const facts = JSON.stringify([s.domains, s.router.publicAddress ?? s.router.externalAddress, s.certificates.map((c) => [c.notAfter, c.staging]), s.plex.state === 'unreachable', s.router.ddns?.address]);
    if (facts !== this.lastFacts) {
      if (this.lastFacts) this.checks.trigger('a fact the checks depend on changed');
      this.lastFacts = facts;
    }
    const text = JSON.stringify(s);
    if (text === this.last) return;
    this.last = text;
    this.alertOnChange(s.health);
    this.statusChanges.emit(s);
  }

  /** Send an alert when the verdict really changed (alertFor decides), in order, never blocking the status. */
  private alertOnChange(next: Health): void {
    if (next.state === 'working') return;
    const alert = alertFor(this.alertedHealth, next);
    this.alertedHealth = next;
    if (!alert || this.alerts.configured().length === 0) return;
    this.alertQueue.run(() => this.alerts.send(alert)).catch((e: unknown) => this.log.error('sending an alert failed', { error: e }));
  }

  /**
   * Re-check PMS now and then every healthPollMs, so the status (and the tray) notice PMS going
   * down or coming back without anyone opening the UI. `discover` is a few loopback requests.
   */
  private checkPlex(): void {
    void this.managers.plex.discover()
      .catch((e: unknown) => this.log.warn('checking Plex Media Server failed', { error: e }))
      .finally(() => {
        this.changed();
        if (this.running) this.poll = this.o.clock.setTimer(() => this.checkPlex(), this.o.healthPollMs ?? HEALTH_POLL_MS);
      });
  }

  /** Until a real certificate exists, the door answers every routed host with a self-signed one. */
  private async placeholders(c: LoadedConfigValue): Promise<void> {
    const hosts = Service.routesOf(c).map((r) => r.host);
    const wild = c.domains.filter((d) => d.startsWith('*.'));
    if (hosts.length + wild.length === 0) return;
    const ph = await placeholderCert(this.o.dataDir, [...c.domains, ...c.routes.map((r) => r.host)], new Date(this.o.clock.now()));
    this.serveCertificate(ph.hosts, { key: ph.key, cert: ph.cert }, 'placeholder');
  }

  private async reconfigure(c: LoadedConfigValue): Promise<void> {
    if (!this.running) return;
    const prev = this.current;
    this.current = c;
    const routesChanged = JSON.stringify(prev.routes) !== JSON.stringify(c.routes);
    // The domain's route goes to plex.url, so a new Plex address re-routes too.
    if (prev.domains.join() !== c.domains.join() || routesChanged || prev.plex.url !== c.plex.url) {
      await this.placeholders(c);
      this.door.setRoutes(Service.routesOf(c));
    }
    await this.managers.build(c, prev);
    this.changed();
  }
}
