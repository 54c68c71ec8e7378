import type { EventRecord, LanAccessChange, LanAccessView } from '../../shared/api.ts';
import type { Config } from '../../shared/config.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import type { Clock } from '../support/clock.ts';
import { privateIpv4Addresses } from '../support/lan-addresses.ts';
import type { Logger } from '../support/logger.ts';
import { LanGate } from './lan-gate.ts';
import { passwordProblem } from '../../shared/lan-password.ts';
import { UiPassword, type PasswordRecord } from './ui-password.ts';
import type { UiListener } from './ui-gate.ts';
import type { UiServer } from './ui-server.ts';

export interface LanDashboardOptions {
  dataDir: string;
  config: () => Config['ui']['lan'];
  setEnabled: (enabled: boolean) => Promise<Result<unknown, AppError>>;
  addresses?: () => string[];
  /** The dashboard's server, started before start() is called. */
  server: () => UiServer;
  clock: Clock;
  logger: Logger;
  /** The dashboard's event list: turning it on or off and a new password are recorded there (never the password). */
  events: { add(kind: string, level: EventRecord['level'], message: string): unknown };
}

const NO_PASSWORD = 'It is turned on, but no password is set yet, so it stays closed. Set a password to open it.';

/**
 * The dashboard on the local network (`ui.lan`): off unless turned on, and never open without a
 * password. When on, one more listener per address (`bind`, else every private IPv4 address of
 * this machine) at `ui.lan.port`, behind the LanGate (sign-in, sessions, the login limit); the
 * loopback listener and its token link are untouched. Turning it on or off and setting the
 * password take effect at once; a new password signs every device out.
 */
export class LanDashboard {
  private readonly o: LanDashboardOptions;
  private readonly log: Logger;
  readonly gate: LanGate;
  private listeners: UiListener[] = [];
  private problem: string | null = null;
  private record: PasswordRecord | undefined;
  private loaded = false;

  constructor(o: LanDashboardOptions) {
    this.o = o;
    this.log = o.logger.child('ui-lan');
    this.gate = new LanGate({ hosts: () => this.hosts(), password: () => this.password(), clock: o.clock, logger: o.logger });
  }

  /** Open the listeners when the settings say so and a password is set; a problem is kept for the view, never thrown. */
  async start(): Promise<void> {
    await this.stop();
    const cfg = this.o.config();
    if (!cfg.enabled) return;
    if (!(await this.password())) {
      this.problem = NO_PASSWORD;
      this.log.warn('the dashboard on the local network is turned on but has no password, so it stays closed; set one with `portico ui-password` or in the dashboard');
      return;
    }
    const addresses = cfg.bind ? [cfg.bind] : (this.o.addresses ?? privateIpv4Addresses)();
    if (addresses.length === 0) {
      this.problem = 'This computer has no address on a private network (such as 192.168.x.x), so there is nothing to listen on. Connect it to your home network, then turn this off and on again.';
      return;
    }
    const failed: string[] = [];
    for (const address of addresses) {
      try {
        this.listeners.push(await this.o.server().listen(address, cfg.port, this.gate, (port) => `port ${port} is in use on ${address}`));
      } catch (e) {
        failed.push((e as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL' ? `${address} is not an address of this computer` : (e as Error).message);
      }
    }
    if (failed.length) {
      this.problem = `It could not listen everywhere: ${failed.join('; ')}. Choose another port or address in the settings (Advanced), or stop the program that uses it, then turn this off and on again.`;
      this.log.warn('the dashboard on the local network could not listen', { failed });
    }
    if (this.listeners.length) this.log.info('the dashboard is open on the local network, behind its password', { urls: this.urls() });
  }

  async stop(): Promise<void> {
    const open = this.listeners.splice(0);
    await Promise.all(open.map((l) => l.close()));
    this.gate.endAllSessions();
    this.problem = null;
  }

  async view(): Promise<LanAccessView> {
    const record = await this.password();
    return {
      enabled: this.o.config().enabled,
      passwordSet: record !== undefined,
      passwordSetAt: record?.setAt ?? null,
      urls: this.urls(),
      problem: this.problem,
    };
  }

  async update(change: LanAccessChange): Promise<Result<LanAccessView>> {
    if (typeof change !== 'object' || change === null) return err({ code: 'bad-change', message: 'Nothing was changed: the request named no change.', fix: 'Reload the page and try again.' });
    if (change.password !== undefined) {
      const problem = passwordProblem(change.password);
      if (problem) return err({ code: 'password-too-weak', message: `The password was not saved. ${problem}`, fix: 'Choose a longer password and save it again.' });
      this.record = await UiPassword.save(this.o.dataDir, change.password);
      this.loaded = true;
      this.gate.endAllSessions();
      this.o.server().recheckStreams();
      this.log.info('the password of the dashboard on the local network was changed; every device signed in before must sign in again');
      this.o.events.add('lan-password-changed', 'info', 'The password of the dashboard on your network was changed; devices signed in before must sign in again.');
    }
    let turned: boolean | undefined;
    if (change.enabled !== undefined && change.enabled !== this.o.config().enabled) {
      if (change.enabled && !(await this.password())) {
        return err({ code: 'no-password', message: 'The dashboard cannot be opened to your network without a password.', fix: 'Set a password first, then turn it on.' });
      }
      const saved = await this.o.setEnabled(change.enabled);
      if (!saved.ok) return saved;
      this.log.info(change.enabled ? 'the dashboard on the local network was turned on' : 'the dashboard on the local network was turned off');
      turned = change.enabled;
    }
    // Re-open with what is saved now: a first password opens a dashboard that was on but closed.
    if (change.enabled !== undefined || (change.password !== undefined && this.o.config().enabled && this.listeners.length === 0)) await this.start();
    if (turned !== undefined) this.recordTurned(turned);
    return ok(await this.view());
  }

  /** After start(): "opened" only where it listens, with the problem when there is one. */
  private recordTurned(on: boolean): void {
    const events = this.o.events;
    if (!on) events.add('lan-access-turned-off', 'info', 'The dashboard on your network was turned off; only this computer can open it now.');
    else if (!this.listeners.length) events.add('lan-access-turned-on', 'warning', `The dashboard on your network was turned on but is not open: ${this.problem ?? 'nothing listens.'}`);
    else events.add('lan-access-turned-on', this.problem ? 'warning' : 'info', `The dashboard was opened to your network, behind its password: ${this.urls().join(', ')}${this.problem ? `. ${this.problem}` : ''}`);
  }

  /** Where to open it from another device. */
  urls(): string[] {
    return this.listeners.map((l) => `http://${hostPort(l.host, l.port)}/`);
  }

  /** The Host values to answer: each address listened on, and each configured name, at the port. */
  private hosts(): string[] {
    const port = this.listeners[0]?.port ?? this.o.config().port;
    return [...this.listeners.map((l) => hostPort(l.host, l.port)), ...this.o.config().names.map((n) => hostPort(n, port))];
  }

  /** The saved hash, read from the file once and then kept (changes go through update(); `portico ui-password` asks the running service). */
  private async password(): Promise<PasswordRecord | undefined> {
    if (!this.loaded) {
      this.record = await UiPassword.load(this.o.dataDir);
      this.loaded = true;
    }
    return this.record;
  }
}

function hostPort(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === 80 ? h : `${h}:${port}`;
}
