import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventRecord } from '../../shared/api.ts';
import type { AppStatus } from '../../shared/status.ts';
import { createApiHandlers, type ApiHandlerDeps } from '../api-handlers.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { porticoVersion } from '../version.ts';
import { WizardStore } from '../wizard-store.ts';
import { UiServer } from './ui-server.ts';
import { UiToken } from './ui-token.ts';

export interface HeadlessUiOptions extends Pick<ApiHandlerDeps, 'configStore' | 'plex' | 'certs' | 'router' | 'dns' | 'extraTrustedCAs'> {
  dataDir: string;
  /** config.ui.port; 0 picks a free one. */
  port: number;
  /** dist/renderer, or null when the renderer is not built. */
  staticDir: string | null;
  service: { getStatus(): AppStatus; onDidChangeStatus(fn: (s: AppStatus) => void): () => void };
  events: ApiHandlerDeps['events'] & { onDidAdd(fn: (e: EventRecord) => void): () => void };
  wizardStore?: ApiHandlerDeps['wizardStore'];
  clock: Clock;
  logger: Logger;
}

/**
 * `portico serve`'s dashboard in one piece: a fresh session token (saved 0600 for
 * `portico status`), the API handlers over the service's parts, and the loopback HTTP server.
 */
export class HeadlessUi {
  readonly server: UiServer;
  private constructor(server: UiServer) {
    this.server = server;
  }

  static async start(o: HeadlessUiOptions): Promise<HeadlessUi> {
    const token = await UiToken.create(o.dataDir);
    const handlers = createApiHandlers({
      getStatus: () => o.service.getStatus(),
      configStore: o.configStore,
      wizardStore: o.wizardStore ?? new WizardStore(o.dataDir),
      events: o.events,
      ...(o.plex ? { plex: o.plex } : {}),
      ...(o.certs ? { certs: o.certs } : {}),
      ...(o.router ? { router: o.router } : {}),
      ...(o.dns ? { dns: o.dns } : {}),
      ...(o.extraTrustedCAs ? { extraTrustedCAs: o.extraTrustedCAs } : {}),
      versions: { portico: porticoVersion(), node: process.versions.node, platform: `${process.platform}-${process.arch}` },
      now: () => o.clock.now(),
      extraSecrets: () => [token],
      logger: o.logger,
    });
    const server = new UiServer({
      port: o.port, staticDir: o.staticDir, handlers, token, logger: o.logger,
      getStatus: () => o.service.getStatus(),
      onDidChangeStatus: (fn) => o.service.onDidChangeStatus(fn),
      onDidAddEvent: (fn) => o.events.onDidAdd(fn),
    });
    await server.start();
    return new HeadlessUi(server);
  }

  /**
   * The built renderer (dist/renderer of this package), found by walking up to Portico's
   * package.json so it works from the sources and from dist/; null when it is not built.
   */
  static defaultStaticDir(from: string = fileURLToPath(import.meta.url)): string | null {
    for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
      const pkg = join(dir, 'package.json');
      if (!existsSync(pkg)) continue;
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name !== 'portico') continue;
      } catch {
        continue;
      }
      const out = join(dir, 'dist', 'renderer');
      return existsSync(join(out, 'index.html')) ? out : null;
    }
    return null;
  }

  /** Print this once: it carries the session token. */
  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
