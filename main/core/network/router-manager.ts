/**
 * Keeps the router forwarding what shared/forwarding.ts says (WAN public HTTPS port → HTTPS door,
 * WAN 80 → HTTP door, optionally WAN 32400 → second HTTPS door), over UPnP IGD, PCP or NAT-PMP (mode auto tries them in that
 * order). Renews leases at half-life on the injected clock. Remembers what it made in
 * `<dataDir>/router-mappings.json`, so stop/disable (even after a restart) removes only its own
 * mappings. A port held by another host is left alone and reported, with what to do. When
 * nothing can be automated, the status carries the exact rows to type into the router.
 *
 * Longer than ~300 lines on purpose: start, renewal and stop share the record of owned mappings
 * and the one queue every router request goes through; the protocols themselves are
 * upnp-client.ts, nat-pmp-client.ts and pcp-client.ts.
 */
import { readFile } from 'node:fs/promises';
import type { Clock, Timer } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import { Emitter } from '../support/emitter.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import type { Config, RouterMode } from '../../shared/config.ts';
import type { ManualForwardRow, PortMappingStatus, RouterStatus } from '../../shared/status/router.ts';
import { forwarding, type Forward, type ForwardingInput } from '../../shared/forwarding.ts';
import { MappingConflictError, type MapRequest, type MappingProtocol, type PortMapper } from './port-mapper.ts';
import { UpnpClient, UpnpError } from './upnp-client.ts';
import { NatPmpClient, NatPmpError } from './nat-pmp-client.ts';
import { PcpClient, PcpError } from './pcp-client.ts';
import { ssdpSearch } from './ssdp-search.ts';
import { discoverGateway, localAddressToward } from './discover-gateway.ts';
import { DataDir } from '../support/data-dir.ts';

export interface RouterManagerOptions {
  mode: RouterMode;
  dataDir: string;
  /** The doors' ports (as bound) and the config keys that decide the forwards. */
  doors: ForwardingInput;
  clock: Clock;
  logger: Logger;
  /** The router's LAN address; null = discover the default gateway. */
  gateway?: string | null;
  /** This machine's LAN address; null = the source address toward the gateway. */
  lanAddress?: string | null;
  /** Lease asked for (seconds). [3600] */
  leaseSeconds?: number;
  /** Skip SSDP when the device description URL is known. */
  upnpDescriptionUrl?: string | null;
  ssdpTimeoutMs?: number;
  /** Resend schedule for NAT-PMP/PCP requests. */
  udpWaitsMs?: number[];
  /** Wait before retrying a failed renewal. [60 s] */
  retryMs?: number;
}

/** What Portico made on the router, persisted so a restart still knows. */
interface OwnedMapping {
  protocol: MappingProtocol;
  gateway: string;
  descriptionUrl?: string;
  externalPort: number;
  internalPort: number;
  internalClient: string;
  transport: 'TCP' | 'UDP';
  description: string;
  nonce?: string;
}

const DESCRIPTION = 'Portico';
/** Ports below this are "privileged": many routers refuse them to UPnP, NAT-PMP and PCP. */
const LOW_PORTS_END = 1024;

/**
 * How the router said no to a port below 1024, per protocol, or null when the error is another
 * one. miniupnpd checks its permission rules and answers UPnP with 606 "Action not authorized";
 * over NAT-PMP and PCP it walks up to the first port the rules allow and offers that (1024 under
 * "allow 1024-65535"); other routers answer NAT-PMP result 2 / PCP NOT_AUTHORIZED (2).
 */
function lowPortRefusal(e: unknown): string | null {
  if (e instanceof UpnpError && e.code === 606) return 'UPnP error 606, Action not authorized';
  if (e instanceof NatPmpError && e.resultCode === 2) return 'NAT-PMP result 2, not authorized';
  if (e instanceof PcpError && e.resultCode === 2) return 'PCP result NOT_AUTHORIZED';
  if (e instanceof MappingConflictError && e.offeredPort !== null && e.offeredPort >= LOW_PORTS_END) return `it offered port ${e.offeredPort} instead`;
  return null;
}

export class RouterManager {
  private readonly o: RouterManagerOptions;
  private readonly log: Logger;
  private status: RouterStatus;
  private readonly changes: Emitter<RouterStatus>;
  private readonly timers = new Map<number, Timer>();
  private mapper: PortMapper | null = null;
  private owned: OwnedMapping[] = [];
  private running = false;
  /** Serializes start/stop/renew so the router never sees interleaved requests from us. */
  private readonly serial = new SerialQueue();

  /**
   * The manager the config asks for. `bound` are the ports the running door listens on (a
   * configured port 0 is a free one picked at start); without it the configured ports count.
   */
  static fromConfig(
    c: Config & { dataDir: string },
    deps: Pick<RouterManagerOptions, 'clock' | 'logger'> & Partial<Pick<RouterManagerOptions, 'upnpDescriptionUrl' | 'ssdpTimeoutMs' | 'udpWaitsMs' | 'lanAddress'>> & { bound?: { https: number[]; http: number | null } },
  ): RouterManager {
    const { bound, ...rest } = deps;
    const https = bound?.https.length ? bound.https : c.door.httpsPorts;
    return new RouterManager({
      ...rest, mode: c.router.mode, dataDir: c.dataDir, gateway: c.router.gateway,
      doors: { publicHttpsPort: c.door.publicHttpsPort, httpsPorts: https, httpPort: bound ? bound.http : c.door.httpPort, mapPlexPort: c.router.mapPlexPort },
    });
  }

  constructor(opts: RouterManagerOptions) {
    this.o = opts;
    this.log = opts.logger.child('router');
    this.changes = new Emitter('router status', this.log);
    this.status = { mode: opts.mode, state: 'off', mappings: [], findings: [] };
  }

  getStatus(): RouterStatus {
    return structuredClone(this.status);
  }

  onDidChange(fn: (s: RouterStatus) => void): () => void {
    return this.changes.on(fn);
  }

  private set(patch: Partial<RouterStatus>): void {
    this.status = { ...this.status, ...patch };
    this.changes.emit(this.getStatus());
  }

  private wanted(): Forward[] {
    return forwarding(this.o.doors);
  }

  /** The forwards to enter by hand: this machine's LAN address, ports, protocol. */
  manualRows(lanAddress: string): ManualForwardRow[] {
    return this.wanted().map((w) => ({ name: w.name, externalPort: w.externalPort, internalClient: lanAddress, internalPort: w.internalPort, transport: 'TCP' }));
  }

  /** Discover the router and map every wanted port. Safe to call again (acts as "retry"). */
  start(): Promise<RouterStatus> {
    return this.serial.run(() => this.doStart());
  }

  /** Remove Portico's own mappings (never anyone else's) and stop renewing. */
  stop(opts: { removeMappings?: boolean } = {}): Promise<RouterStatus> {
    return this.serial.run(() => this.doStop(opts.removeMappings ?? true));
  }

  /**
   * Look without touching (for `portico doctor`): gateway, protocols, external address, admin page,
   * and for each wanted port what the router has now (UPnP can tell who owns a port; for
   * NAT-PMP/PCP only Portico's own records can). Creates and deletes nothing.
   */
  inspect(): Promise<RouterStatus> {
    return this.serial.run(async () => {
      await this.loadOwned();
      const mode = this.o.mode;
      const gateway = this.o.gateway ?? (await discoverGateway());
      const lan = gateway ? (this.o.lanAddress ?? (await localAddressToward(gateway)) ?? '') : '';
      const st: RouterStatus = { mode, state: mode === 'off' ? 'off' : 'manual', mappings: [], findings: [], ...(gateway ? { gateway } : {}), ...(lan ? { lanAddress: lan } : {}) };
      if (!gateway || mode === 'off') return st;
      if (mode === 'manual') return { ...st, manual: this.manualRows(lan) };
      const found = await this.findMapper(gateway, mode);
      st.protocols = found.protocols;
      const m = found.mapper;
      if (!m) return { ...st, manual: this.manualRows(lan) };
      st.adminUrl = m instanceof UpnpClient ? (m.presentationUrl ?? `http://${gateway}/`) : `http://${gateway}/`;
      st.externalAddress = await m.externalAddress().catch(() => undefined);
      for (const w of this.wanted()) {
        const base: PortMappingStatus = { protocol: m.protocol, externalPort: w.externalPort, internalPort: w.internalPort, internalClient: lan, transport: 'TCP', state: 'failed' };
        const own = this.owned.find((o) => o.externalPort === w.externalPort && o.protocol === m.protocol);
        const live = m.lookup ? await m.lookup(w.externalPort, 'TCP').catch(() => null) : undefined;
        if (live === undefined) st.mappings.push(own ? { ...base, state: 'mapped' } : { ...base, error: `WAN port ${w.externalPort} is not mapped by Portico (run \`portico serve\`, or forward it by hand)` });
        else if (live && live.internalClient === lan && live.internalPort === w.internalPort) st.mappings.push({ ...base, state: 'mapped' });
        else if (live) st.mappings.push({ ...base, state: 'conflict', owner: live.internalClient, error: `WAN port ${w.externalPort}/TCP is forwarded to ${live.internalClient}:${live.internalPort}${live.description ? ` ("${live.description}")` : ''}, not to this machine's door (${lan}:${w.internalPort})` });
        else st.mappings.push({ ...base, error: `WAN port ${w.externalPort} is not forwarded on the router` });
      }
      const mapped = st.mappings.filter((x) => x.state === 'mapped').length;
      st.state = mapped === st.mappings.length ? 'mapped' : mapped ? 'partial' : 'error';
      if (st.state !== 'mapped') st.manual = this.manualRows(lan).filter((r) => st.mappings.find((x) => x.externalPort === r.externalPort)?.state !== 'mapped');
      return st;
    });
  }

  private async loadOwned(): Promise<void> {
    try {
      const j = JSON.parse(await readFile(new DataDir(this.o.dataDir).routerMappings, 'utf8')) as { mappings?: OwnedMapping[] };
      this.owned = Array.isArray(j.mappings) ? j.mappings : [];
    } catch {
      this.owned = [];
    }
  }

  private async saveOwned(): Promise<void> {
    await writeFileAtomic(new DataDir(this.o.dataDir).routerMappings, JSON.stringify({ mappings: this.owned }, null, 2) + '\n', 0o600);
  }

  private async doStart(): Promise<RouterStatus> {
    this.running = true;
    this.cancelTimers();
    await this.loadOwned();
    const mode = this.o.mode;
    if (mode === 'off') {
      // Router handling off still knows where this machine sits: the rows and the diagnosis name real addresses.
      const gateway = this.o.gateway ?? (await discoverGateway());
      const lan = gateway ? (this.o.lanAddress ?? (await localAddressToward(gateway))) : null;
      this.set({ mode, state: 'off', mappings: [], manual: undefined, error: undefined, gateway: gateway ?? undefined, lanAddress: lan || undefined });
      return this.getStatus();
    }
    this.set({ mode, state: 'discovering', error: undefined });
    const gateway = this.o.gateway ?? (await discoverGateway());
    if (!gateway) {
      this.set({ state: 'error', error: 'no default gateway found: this machine does not seem to be on a network with a router. Check the network connection, or set router.gateway in the config.' });
      return this.getStatus();
    }
    const lan = this.o.lanAddress ?? (await localAddressToward(gateway)) ?? '';
    this.set({ gateway, lanAddress: lan || undefined });
    if (mode === 'manual') {
      this.set({ state: 'manual', mappings: [], manual: this.manualRows(lan), error: undefined });
      return this.getStatus();
    }

    const found = await this.findMapper(gateway, mode);
    if (!found.mapper) {
      const tried = mode === 'auto' ? 'UPnP, NAT-PMP or PCP' : mode === 'upnp' ? 'UPnP' : mode === 'natpmp' ? 'NAT-PMP' : 'PCP';
      this.set({
        state: 'manual', mappings: [], manual: this.manualRows(lan), protocols: found.protocols,
        error: `the router at ${gateway} does not answer ${tried}, so Portico cannot open the ports itself. Either turn on UPnP (or NAT-PMP/PCP) in the router's settings and press Retry, or forward the ports listed below by hand.`,
      });
      return this.getStatus();
    }
    this.mapper = found.mapper;
    const adminUrl = found.mapper instanceof UpnpClient ? found.mapper.presentationUrl : undefined;
    this.set({ protocols: found.protocols, adminUrl: adminUrl ?? this.status.adminUrl ?? `http://${gateway}/` });

    // Mappings we made earlier that are no longer wanted (ports changed, other protocol): remove.
    const keep = new Map(this.wanted().map((w) => [w.externalPort, w.internalPort]));
    for (const m of [...this.owned]) {
      const stale = keep.get(m.externalPort) !== m.internalPort || m.protocol !== found.mapper.protocol || m.gateway !== gateway || m.internalClient !== lan;
      if (stale) await this.removeOwned(m);
    }

    try {
      this.set({ externalAddress: await found.mapper.externalAddress() });
    } catch (e) {
      this.log.warn('could not read the router\'s external address', { error: (e as Error).message });
    }
    const rows: PortMappingStatus[] = [];
    for (const w of this.wanted()) rows.push(await this.mapOne(found.mapper, gateway, lan, w));
    const mapped = rows.filter((r) => r.state === 'mapped').length;
    const state = mapped === rows.length ? 'mapped' : mapped > 0 ? 'partial' : 'error';
    const refused = rows.filter((r) => r.refusedLowPort).map((r) => r.externalPort);
    this.set({
      state, mappings: rows,
      manual: state === 'mapped' ? undefined : this.manualRows(lan).filter((r) => rows.find((x) => x.externalPort === r.externalPort)?.state !== 'mapped'),
      error: state === 'mapped' ? undefined : refused.length
        ? `the router allows automatic forwards only for ports 1024 and up, so it refused WAN port ${refused.join(' and ')}. Either forward ${refused.length > 1 ? 'them' : 'it'} by hand (the rows below), or use a high public port such as 8443 (door.publicHttpsPort): your address becomes https://<domain>:8443 and certificates come by DNS-01 or HTTP-01, since the CA's TLS-ALPN-01 check connects to 443 only`
        : rows.find((r) => r.state !== 'mapped')?.error,
    });
    return this.getStatus();
  }

  private async findMapper(gateway: string, mode: RouterMode): Promise<{ mapper: PortMapper | null; protocols: RouterStatus['protocols'] }> {
    const protocols: NonNullable<RouterStatus['protocols']> = {};
    const waits = this.o.udpWaitsMs;
    if (mode === 'auto' || mode === 'upnp') {
      const u = await this.findUpnp(gateway);
      protocols.upnp = !!u;
      if (u) return { mapper: u, protocols };
    }
    if (mode === 'auto' || mode === 'pcp') {
      const p = new PcpClient(gateway, { waitsMs: waits });
      const okPcp = await p.announce().then(() => true, () => false);
      protocols.pcp = okPcp;
      if (okPcp) return { mapper: p, protocols };
    }
    if (mode === 'auto' || mode === 'natpmp') {
      const n = new NatPmpClient(gateway, { waitsMs: waits });
      const okPmp = await n.externalAddress().then(() => true, () => false);
      protocols.natpmp = okPmp;
      if (okPmp) return { mapper: n, protocols };
    }
    return { mapper: null, protocols };
  }

  private async findUpnp(gateway: string): Promise<UpnpClient | null> {
    const urls = this.o.upnpDescriptionUrl ? [this.o.upnpDescriptionUrl] : (await ssdpSearch({ timeoutMs: this.o.ssdpTimeoutMs ?? 2000, until: (a) => a.from === gateway }))
      // Prefer the answer from our own gateway (another UPnP box on the LAN is not our router).
      .sort((a, b) => Number(b.from === gateway) - Number(a.from === gateway)).map((a) => a.location);
    for (const url of urls) {
      try {
        return await UpnpClient.fromDescription(url);
      } catch (e) {
        this.log.debug('UPnP device skipped', { url, error: (e as Error).message });
      }
    }
    return null;
  }

  private request(m: Pick<OwnedMapping, 'externalPort' | 'internalPort' | 'internalClient' | 'transport' | 'description' | 'nonce'>): MapRequest {
    return { ...m, lifetimeSeconds: this.o.leaseSeconds ?? 3600 };
  }

  private async mapOne(mapper: PortMapper, gateway: string, lan: string, w: Forward): Promise<PortMappingStatus> {
    const base: PortMappingStatus = { protocol: mapper.protocol, externalPort: w.externalPort, internalPort: w.internalPort, internalClient: lan, transport: 'TCP', state: 'failed' };
    const prev = this.owned.find((m) => m.externalPort === w.externalPort && m.transport === 'TCP');
    const own: OwnedMapping = prev ?? {
      protocol: mapper.protocol, gateway, externalPort: w.externalPort, internalPort: w.internalPort, internalClient: lan, transport: 'TCP',
      description: `${DESCRIPTION} ${w.externalPort}`,
      ...(mapper instanceof UpnpClient ? { descriptionUrl: mapper.descriptionUrl } : {}),
    };
    if (!prev) {
      // Remember before asking, so a crash between the two still lets stop() clean up.
      this.owned.push(own);
      await this.saveOwned();
    }
    try {
      const r = await mapper.map(this.request(own));
      if (r.nonce && r.nonce !== own.nonce) { own.nonce = r.nonce; await this.saveOwned(); }
      this.scheduleRenewal(w.externalPort, r.lifetimeSeconds);
      this.log.info('port mapped', { protocol: mapper.protocol, externalPort: w.externalPort, internal: `${lan}:${w.internalPort}`, lifetime: r.lifetimeSeconds });
      return { ...base, state: 'mapped', ...(r.lifetimeSeconds > 0 ? { expiresAt: new Date(this.o.clock.now() + r.lifetimeSeconds * 1000).toISOString() } : {}) };
    } catch (e) {
      this.owned = this.owned.filter((m) => m !== own);
      await this.saveOwned();
      const refusal = w.externalPort < LOW_PORTS_END ? lowPortRefusal(e) : null;
      if (refusal) {
        this.log.warn('the router refuses automatic forwards below 1024', { externalPort: w.externalPort, protocol: mapper.protocol, answer: refusal });
        return { ...base, state: 'failed', refusedLowPort: true, error: `the router refuses to open WAN port ${w.externalPort} automatically (${refusal}): it allows automatic forwards only for ports 1024 and up, a common default (OpenWrt's miniupnpd rule "allow 1024-65535"). Forward it by hand (see the rows below), or use a high public port such as 8443 (door.publicHttpsPort)` };
      }
      if (e instanceof MappingConflictError) {
        this.log.warn('port taken by another device; left alone', { externalPort: w.externalPort, owner: e.owner });
        return { ...base, state: 'conflict', ...(e.owner ? { owner: e.owner } : {}), error: `${e.message}. Portico left it alone. Remove that forward in the router's settings (or stop the program on that device that asked for it), then press Retry — or set door.publicHttpsPort to a free port.` };
      }
      if (e instanceof UpnpError && e.code === 606) {
        return { ...base, state: 'failed', error: `the router refuses to open WAN port ${w.externalPort} through UPnP (606 Action not authorized). Allow it in the router's UPnP settings and press Retry, or forward it by hand (see the rows below).` };
      }
      return { ...base, state: 'failed', error: `mapping WAN port ${w.externalPort} to ${lan}:${w.internalPort} over ${mapper.protocol} failed: ${(e as Error).message}. Press Retry, or forward the port by hand (see the rows below).` };
    }
  }

  private scheduleRenewal(externalPort: number, lifetimeSeconds: number, overrideMs?: number): void {
    this.timers.get(externalPort)?.cancel();
    if (lifetimeSeconds <= 0 && overrideMs === undefined) return; // permanent lease
    const ms = overrideMs ?? Math.max(30_000, (lifetimeSeconds * 1000) / 2);
    this.timers.set(externalPort, this.o.clock.setTimer(() => {
      // Nobody awaits a renewal: a failure that escapes renew() is logged, never left unhandled.
      this.serial.run(() => this.renew(externalPort)).catch((e: Error) => this.log.warn('lease renewal failed', { externalPort, error: e.message }));
    }, ms));
  }

  private async renew(externalPort: number): Promise<void> {
    const own = this.owned.find((m) => m.externalPort === externalPort);
    if (!this.running || !this.mapper || !own) return;
    const idx = this.status.mappings.findIndex((m) => m.externalPort === externalPort);
    let row: PortMappingStatus;
    try {
      const r = await this.mapper.map(this.request(own));
      this.scheduleRenewal(externalPort, r.lifetimeSeconds);
      row = { ...this.status.mappings[idx]!, state: 'mapped', error: undefined, ...(r.lifetimeSeconds > 0 ? { expiresAt: new Date(this.o.clock.now() + r.lifetimeSeconds * 1000).toISOString() } : {}) };
      this.log.debug('lease renewed', { externalPort, lifetime: r.lifetimeSeconds });
    } catch (e) {
      if (e instanceof MappingConflictError) {
        this.owned = this.owned.filter((m) => m !== own);
        // The conflict is what the user must see, even if the record cannot be saved.
        await this.saveOwned().catch((se: Error) => this.log.warn('could not save the router mappings record', { error: se.message }));
        row = { ...this.status.mappings[idx]!, state: 'conflict', error: `${e.message}. Another device took the port while Portico's lease was running; remove that forward in the router, then press Retry.` };
      } else {
        this.scheduleRenewal(externalPort, 0, this.o.retryMs ?? 60_000);
        row = { ...this.status.mappings[idx]!, state: 'failed', error: `renewing WAN port ${externalPort} failed: ${(e as Error).message}; retrying in ${Math.round((this.o.retryMs ?? 60_000) / 1000)} s` };
      }
    }
    const mappings = [...this.status.mappings];
    if (idx >= 0) mappings[idx] = row; else mappings.push(row);
    const mapped = mappings.filter((m) => m.state === 'mapped').length;
    this.set({ mappings, state: mapped === mappings.length ? 'mapped' : mapped ? 'partial' : 'error' });
  }

  private async mapperFor(m: OwnedMapping): Promise<PortMapper> {
    if (this.mapper && this.mapper.protocol === m.protocol && (!(this.mapper instanceof UpnpClient) || this.mapper.descriptionUrl === m.descriptionUrl)) return this.mapper;
    if (m.protocol === 'upnp') {
      if (!m.descriptionUrl) throw new Error('the UPnP device address was not recorded');
      return UpnpClient.fromDescription(m.descriptionUrl);
    }
    return m.protocol === 'pcp' ? new PcpClient(m.gateway, { waitsMs: this.o.udpWaitsMs }) : new NatPmpClient(m.gateway, { waitsMs: this.o.udpWaitsMs });
  }

  private async removeOwned(m: OwnedMapping): Promise<string | null> {
    let error: string | null = null;
    try {
      await (await this.mapperFor(m)).unmap(this.request(m));
      this.log.info('port mapping removed', { protocol: m.protocol, externalPort: m.externalPort });
    } catch (e) {
      error = `could not remove WAN port ${m.externalPort} (${m.protocol}) from the router: ${(e as Error).message}`;
      this.log.warn(error);
    }
    // Forget it either way: leases end by themselves, and retrying forever helps nobody.
    this.owned = this.owned.filter((x) => x !== m);
    await this.saveOwned();
    return error;
  }

  private cancelTimers(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private async doStop(removeMappings: boolean): Promise<RouterStatus> {
    this.running = false;
    this.cancelTimers();
    const errors: string[] = [];
    if (removeMappings) {
      await this.loadOwned();
      for (const m of [...this.owned]) {
        const e = await this.removeOwned(m);
        if (e) errors.push(e);
      }
    }
    this.mapper = null;
    this.set({ state: 'off', mappings: [], manual: undefined, error: errors.length ? `${errors.join('; ')}. Remove them in the router's settings if they are still listed.` : undefined });
    return this.getStatus();
  }
}
