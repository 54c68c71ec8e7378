/**
 * Dynamic DNS: when the public address changes, write it to the domain's A (or AAAA) record
 * through the DNS provider (Cloudflare, DuckDNS, RFC 2136 — main/core/dns). Exactly one update
 * per change; at most one update per `minIntervalMs` (providers rate-limit and a flapping link
 * must not hammer them): a change inside that window is written when the window ends. An address
 * the internet cannot reach (private, CGNAT, loopback…) is never written: the record would send
 * every client to a dead end, so the updater holds back and says why.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../support/atomic-file.ts';
import type { Clock, Timer } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import { Emitter } from '../support/emitter.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { createDnsProvider, type DnsProvider } from '../dns/dns-provider.ts';
import type { DdnsStatus } from '../../shared/status/router.ts';
import type { Config } from '../../shared/config.ts';
import type { Reachability } from './reachability.ts';
import { DataDir } from '../support/data-dir.ts';
import { addressScope } from '../../shared/ip-address.ts';

export interface DdnsUpdaterOptions {
  /** The names to keep current (wildcards are skipped: they need no address record of their own). */
  names: string[];
  provider: Pick<DnsProvider, 'setAddresses'>;
  /** The address the internet sees now (a PublicIpProvider's lookup, or the router's). */
  publicAddress: () => Promise<string>;
  clock: Clock;
  logger: Logger;
  /** How often to look at the public address. [5 min] */
  checkEveryMs?: number;
  /** Least time between two updates. [10 min] */
  minIntervalMs?: number;
  /** What DNS is known to hold already, so a start does not rewrite it. */
  knownAddress?: string | null;
  /** Remember the address written (and when) in `<dataDir>/ddns-state.json` across restarts. */
  dataDir?: string;
}


export class DdnsUpdater {
  private readonly o: DdnsUpdaterOptions;
  private readonly log: Logger;
  private status: DdnsStatus = { state: 'idle' };
  private written: string | null;
  private lastUpdateAt: number | null = null;
  private timer: Timer | null = null;
  private running = false;
  /** Loading the saved state, then each check: never two at once. */
  private readonly checks = new SerialQueue();
  private readonly changes: Emitter<DdnsStatus>;

  /** Dynamic DNS as the config asks for it: on when dns.ddns is set with a provider and a domain, else null. */
  static fromConfig(c: Config & { dataDir: string }, deps: { reachability: Pick<Reachability, 'requirePublicAddress'>; clock: Clock; logger: Logger }): DdnsUpdater | null {
    if (!c.dns.ddns || !c.dns.provider || c.domains.length === 0) return null;
    return new DdnsUpdater({
      names: c.domains, provider: createDnsProvider(c.dns.provider, deps.logger), clock: deps.clock, logger: deps.logger, dataDir: c.dataDir,
      publicAddress: () => deps.reachability.requirePublicAddress(),
    });
  }

  constructor(opts: DdnsUpdaterOptions) {
    this.o = opts;
    this.log = opts.logger.child('ddns');
    this.changes = new Emitter('dynamic DNS status', this.log);
    this.written = opts.knownAddress ?? null;
    if (this.written) this.status = { state: 'idle', address: this.written };
    const dir = opts.dataDir;
    if (dir) void this.checks.run(() => this.loadState(dir));
  }

  private async loadState(dir: string): Promise<void> {
    try {
      const j = JSON.parse(await readFile(new DataDir(dir).ddnsState, 'utf8')) as { names?: string[]; address?: string; lastUpdate?: string };
      // Only trust it for the same names: a changed domain list must be written afresh.
      if (j.address && JSON.stringify(j.names) === JSON.stringify(this.o.names)) {
        this.written = j.address;
        this.lastUpdateAt = j.lastUpdate ? Date.parse(j.lastUpdate) : null;
        this.status = { state: 'idle', address: j.address, ...(j.lastUpdate ? { lastUpdate: j.lastUpdate } : {}) };
      }
    } catch { /* first run, or unreadable: write on the first check */ }
  }

  getStatus(): DdnsStatus { return { ...this.status }; }

  onDidChange(fn: (s: DdnsStatus) => void): () => void {
    return this.changes.on(fn);
  }

  private set(s: DdnsStatus): void {
    this.status = s;
    this.changes.emit({ ...s });
  }

  /** Check now and then every checkEveryMs. */
  start(): Promise<DdnsStatus> {
    this.running = true;
    return this.check();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer?.cancel();
    if (this.running) this.timer = this.o.clock.setTimer(() => { void this.check(); }, ms);
  }

  /** Look at the public address and update DNS if it changed (serialized: never two at once). */
  check(): Promise<DdnsStatus> {
    const run = () => this.doCheck().catch((e: unknown) => {
      // Anything unexpected (a provider breaking its Result contract, an unwritable data dir) is
      // shown and retried: the timer must never stop for good.
      this.log.warn('dynamic DNS check failed', { error: e });
      this.set({ ...this.status, state: 'error', error: `dynamic DNS failed: ${(e as Error).message}; check that the data directory is writable, Portico tries again in a few minutes` });
      this.arm(this.o.checkEveryMs ?? 5 * 60_000);
      return this.getStatus();
    });
    return this.checks.run(run);
  }

  private async doCheck(): Promise<DdnsStatus> {
    const every = this.o.checkEveryMs ?? 5 * 60_000;
    let addr: string;
    try {
      addr = (await this.o.publicAddress()).trim();
      if (!isIPv4(addr) && !isIPv6(addr)) throw new Error(`"${addr}" is not an IP address`);
    } catch (e) {
      this.set({ ...this.status, state: 'error', error: `dynamic DNS could not learn the public address: ${(e as Error).message}` });
      this.arm(every);
      return this.getStatus();
    }
    const scope = addressScope(addr);
    if (scope !== 'public') {
      if (this.status.state !== 'held' || this.status.error !== heldBecause(addr, scope)) this.log.warn('dynamic DNS held back: not a public address', { address: addr, scope });
      this.set({ ...this.status, state: 'held', error: heldBecause(addr, scope) });
      this.arm(every);
      return this.getStatus();
    }
    if (addr === this.written) {
      if (this.status.state === 'error' || this.status.state === 'held') this.set({ ...this.status, state: this.lastUpdateAt ? 'updated' : 'idle', error: undefined });
      this.arm(every);
      return this.getStatus();
    }
    const now = this.o.clock.now();
    const minInterval = this.o.minIntervalMs ?? 10 * 60_000;
    if (this.lastUpdateAt !== null && now - this.lastUpdateAt < minInterval) {
      // Rate limit: write the newest address when the window ends.
      this.arm(this.lastUpdateAt + minInterval - now);
      return this.getStatus();
    }
    const type = isIPv4(addr) ? 'A' : 'AAAA';
    this.set({ ...this.status, state: 'updating', error: undefined });
    this.lastUpdateAt = now;
    for (const name of this.o.names.filter((n) => !n.startsWith('*.'))) {
      const r = await this.o.provider.setAddresses(name, type, [addr]);
      if (!r.ok) {
        this.log.warn('dynamic DNS update failed', { name, code: r.error.code });
        this.set({ ...this.status, state: 'error', error: `updating ${type} of ${name} to ${addr} failed: ${r.error.message}${r.error.fix ? `; ${r.error.fix}` : ''}` });
        this.arm(Math.max(every, minInterval));
        return this.getStatus();
      }
    }
    this.written = addr;
    if (this.o.dataDir) {
      await writeFileAtomic(new DataDir(this.o.dataDir).ddnsState, JSON.stringify({ names: this.o.names, address: addr, lastUpdate: new Date(now).toISOString() }) + '\n')
        .catch((e: Error) => this.log.warn('could not save the dynamic DNS state; the next start will write the record again', { error: e.message }));
    }
    this.log.info('dynamic DNS updated', { names: this.o.names, type, address: addr });
    this.set({ state: 'updated', address: addr, lastUpdate: new Date(now).toISOString() });
    this.arm(every);
    return this.getStatus();
  }
}

/** Why an address is not written to DNS, and what to do. */
function heldBecause(addr: string, scope: ReturnType<typeof addressScope>): string {
  const why = scope === 'cgnat'
    ? 'is in 100.64.0.0/10, the range of carrier-grade NAT: your provider shares one public address between customers, so nothing from the internet reaches this network. Ask your provider for a public IPv4 address ("disable CGNAT")'
    : scope === 'private' || scope === 'link-local'
      ? 'is a private address: another router sits between yours and the internet (double NAT). Put the provider\'s modem in bridge mode, or set publicIp.stunServer / publicIp.httpEndpoints to a service that sees your public address'
      : 'is not an address the internet can reach. Check publicIp.stunServer / publicIp.httpEndpoints';
  return `dynamic DNS did not write ${addr}: it ${why}. The DNS record is left as it was`;
}
