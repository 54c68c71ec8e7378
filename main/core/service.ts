/**
 * The composition root: builds the pieces from the config, starts and stops them, and derives the
 * one AppStatus. For now it runs the door with a placeholder certificate; certificates, Plex, the
 * router and the UI server plug in here as they arrive.
 */
import type { Config } from '../shared/config.ts';
import type { AppStatus } from '../shared/status.ts';
import { health } from '../shared/health.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { SecretStore } from './secret-store.ts';
import { ChallengeStore } from './challenge-store.ts';
import { porticoVersion } from './version.ts';
import { Door, type DoorRoute } from './proxy/door.ts';
import { placeholderCert } from './proxy/placeholder-cert.ts';

export interface ServiceOptions {
  config: Config & { dataDir: string };
  logger: Logger;
  clock: Clock;
  secrets: SecretStore;
}

/** How long stop() lets in-flight streams finish before cutting them. */
export const STOP_GRACE_MS = 10_000;

export class Service {
  readonly door: Door;
  readonly challenges = new ChallengeStore();
  private readonly o: ServiceOptions;
  private readonly log: Logger;
  private readonly listeners = new Set<(s: AppStatus) => void>();
  private placeholderHosts: string[] = [];

  constructor(o: ServiceOptions) {
    this.o = o;
    this.log = o.logger.child('service');
    const c = o.config;
    const plex = new URL(c.plex.url);
    this.door = new Door({
      bind: c.door.bind,
      httpsPorts: c.door.httpsPorts,
      httpPort: c.door.httpPort,
      publicHttpsPort: c.door.publicHttpsPort,
      hsts: c.door.hsts,
      routes: Service.routesOf(c),
      passthrough: { host: plex.hostname.replace(/^\[|\]$/g, ''), port: c.plex.tlsPort },
      challenges: this.challenges,
      logger: o.logger,
    });
  }

  /** Each domain goes to Plex; extra routes go where they say. */
  static routesOf(c: Config): DoorRoute[] {
    return [...c.domains.map((host) => ({ host, upstream: c.plex.url })), ...c.routes];
  }

  async start(): Promise<void> {
    const c = this.o.config;
    const hosts = Service.routesOf(c).map((r) => r.host);
    const pem = await placeholderCert(c.dataDir, hosts, new Date(this.o.clock.now()));
    this.door.setCertificate(hosts, pem, 'placeholder');
    this.placeholderHosts = hosts;
    try {
      await this.door.start();
    } finally {
      this.emit();
    }
    this.log.info('service started', { domains: c.domains });
  }

  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    await this.door.stop(graceMs);
    this.emit();
  }

  getStatus(): AppStatus {
    const c = this.o.config;
    const door = this.door.getStatus();
    const s: Omit<AppStatus, 'health'> = {
      version: porticoVersion(),
      demo: false,
      domains: c.domains,
      door,
      certificates: this.placeholderHosts.length ? [{ domains: c.domains, state: 'placeholder' }] : [],
      plex: { state: 'unknown', url: c.plex.url, signedIn: false, applied: false },
      router: { mode: c.router.mode, state: c.router.mode === 'off' ? 'off' : 'manual', mappings: [], findings: [] },
      dns: { records: [] },
    };
    return { ...s, health: health(s) };
  }

  onDidChangeStatus(fn: (s: AppStatus) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const s = this.getStatus();
    for (const fn of this.listeners) fn(s);
  }
}
