import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventRecord, PorticoApiHandlers } from '../../shared/api.ts';
import type { Config } from '../../shared/config.ts';
import { ok, type AppError, type Result } from '../../shared/result.ts';
import { DataDir } from '../support/data-dir.ts';
import type { AppStatus } from '../../shared/status.ts';
import type { Logger } from '../support/logger.ts';
import { systemClock, type Clock } from '../support/clock.ts';
import { LanDashboard } from './lan-dashboard.ts';
import { UiServer } from './ui-server.ts';
import { UiToken } from './ui-token.ts';

export interface HeadlessUiOptions {
  dataDir: string;
  /** config.ui.port; 0 picks a free one. */
  port: number;
  /** dist/renderer, or null when the renderer is not built. */
  staticDir: string | null;
  /** The service's PorticoApi (Service.handlers): the same handlers the desktop app's IPC uses. */
  handlers: PorticoApiHandlers;
  /** Mask the session token in diagnostics bundles too; returns the undo. */
  redactInDiagnostics?: (secret: string) => () => void;
  service: { getStatus(): AppStatus; onDidChangeStatus(fn: (s: AppStatus) => void): () => void };
  /** The service's event list: the dashboard shows it, and the dashboard on the local network adds to it. */
  events: { onDidAdd(fn: (e: EventRecord) => void): () => void; add(kind: string, level: EventRecord['level'], message: string): unknown };
  logger: Logger;
  /** The dashboard on the local network: its config section now, and how to save it on or off. Left out: none. */
  lan?: {
    config: () => Config['ui']['lan'];
    setEnabled: (enabled: boolean) => Promise<Result<unknown, AppError>>;
    /** This machine's private addresses, for `bind: null` (default: its interfaces'). */
    addresses?: () => string[];
  };
  clock?: Clock;
}

/**
 * `portico serve`'s dashboard in one piece: the session token (kept 0600 across restarts for
 * `portico status` and `portico ui-link`, masked in diagnostics bundles, rotated on request), the
 * loopback HTTP server over the service's API handlers, and the dashboard on the local network
 * when it is turned on (lan-dashboard.ts).
 */
export class HeadlessUi {
  readonly server: UiServer;
  /** The dashboard on the local network, when the service offers one. */
  readonly lan: LanDashboard | undefined;
  private readonly o: HeadlessUiOptions;
  private readonly unredact: (() => void)[] = [];

  private constructor(o: HeadlessUiOptions, token: string) {
    this.o = o;
    this.redact(token);
    this.lan = o.lan && new LanDashboard({ ...o.lan, dataDir: o.dataDir, clock: o.clock ?? systemClock, logger: o.logger, events: o.events, server: () => this.server });
    this.server = new UiServer({
      port: o.port, staticDir: o.staticDir, token, tokenFile: new DataDir(o.dataDir).uiToken, logger: o.logger,
      handlers: {
        ...o.handlers,
        'ui:rotate-link': async () => ok({ url: await this.rotate() }),
        ...(this.lan ? { 'ui:lan-get': async () => ok(await this.lan!.view()), 'ui:lan-update': (change) => this.lan!.update(change) } : {}),
      },
      getStatus: () => o.service.getStatus(),
      onDidChangeStatus: (fn) => o.service.onDidChangeStatus(fn),
      onDidAddEvent: (fn) => o.events.onDidAdd(fn),
    });
  }

  static async start(o: HeadlessUiOptions): Promise<HeadlessUi> {
    const ui = new HeadlessUi(o, (await UiToken.load(o.dataDir)).token);
    try {
      await ui.server.start();
      await ui.lan?.start();
    } catch (e) {
      ui.forget();
      throw e;
    }
    return ui;
  }

  /** A new token, saved and in force at once; the link that carries it. */
  async rotate(): Promise<string> {
    const token = await UiToken.create(this.o.dataDir);
    this.redact(token);
    this.server.useToken(token);
    this.o.logger.child('ui').info('dashboard link rotated; links given out before no longer work');
    return this.url;
  }

  private redact(token: string): void {
    if (this.o.redactInDiagnostics) this.unredact.push(this.o.redactInDiagnostics(token));
  }

  private forget(): void {
    for (const u of this.unredact.splice(0)) u();
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

  async stop(): Promise<void> {
    await this.lan?.stop();
    await this.server.stop();
    this.forget();
  }
}
