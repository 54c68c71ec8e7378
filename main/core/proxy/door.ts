/**
 * The door's listeners and routing (the Door class below says what it does). Longer than ~300
 * lines on purpose: listening, the ClientHello routing, the certificate table and the
 * per-address limits share one connection lifecycle and its counters. The HTTP exchange, the
 * parsers, the upstream pool and the plex.direct names are already their own files beside it.
 */
import { createServer as createNetServer, connect, isIP, type Server, type Socket } from 'node:net';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { constants, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { ChallengeStore } from '../certs/challenge-store.ts';
import type { Logger } from '../support/logger.ts';
import type { DoorStatus, DoorListenerStatus } from '../../shared/status/door.ts';
import { parseClientHello, MAX_CLIENT_HELLO_BYTES } from './client-hello.ts';
import { HttpProxyConnection, normalizeIp, type RouteCounters } from './http-proxy-connection.ts';
import { PlexDirectNames } from './plex-direct-names.ts';
import { UpstreamPool } from './upstream-pool.ts';
import { TicketKey, TICKET_KEY_BYTES } from './ticket-key.ts';

export interface DoorRoute { host: string; upstream: string }

export interface DoorTimeouts {
  /** From accept to a finished TLS handshake (ClientHello peek included). */
  handshakeMs: number;
  /** For a request head, once its first byte arrived (slowloris). */
  headMs: number;
  /** A client connection between requests (after a complete response), as browsers do. */
  keepAliveMs: number;
  /** A connection with no traffic either way (streams pause; keep it long). */
  idleMs: number;
  /** An idle pooled upstream connection; below PMS's own keep-alive (`Keep-Alive: timeout=20`). */
  upstreamIdleMs: number;
  upstreamConnectMs: number;
  /** From a complete request to the first response byte (504 after). */
  upstreamResponseMs: number;
}

export interface DoorOptions {
  bind: string;
  httpsPorts: number[];
  httpPort: number | null;
  publicHttpsPort: number;
  hsts?: boolean;
  routes: DoorRoute[];
  passthrough: { host: string; port: number };
  challenges: ChallengeStore;
  logger: Logger;
  timeouts?: Partial<DoorTimeouts>;
  /** Open connections per client address (IPv6: per /64) before new ones are closed at once. */
  maxConnectionsPerIp?: number;
  /** Where the session-ticket key is kept so sessions resume across restarts; without it, in memory only. */
  ticketKeyFile?: string;
}

export const DEFAULT_DOOR_TIMEOUTS: DoorTimeouts = {
  handshakeMs: 10_000,
  headMs: 20_000,
  keepAliveMs: 75_000,
  idleMs: 30 * 60_000,
  upstreamIdleMs: 15_000,
  upstreamConnectMs: 5_000,
  upstreamResponseMs: 120_000,
};

/** Mozilla "intermediate" (v5.7) for TLS 1.2, ECDHE only; TLS 1.3 suites are OpenSSL's defaults (all three). */
export const INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
export const ECDH_CURVES = 'X25519:P-256:P-384';
const STOP_POLL_MS = 250;
/** What one read from PMS's TLS port may bring in passthrough: libuv's own read size. */
const PASSTHROUGH_READ_BYTES = 64 * 1024;
/**
 * A Plex app opens a handful of connections, a browser six per name; a household or a mobile
 * carrier's CGNAT puts many of them behind one address, but the people who use one Plex server
 * from one network are few. 256 leaves room for dozens of them, and stops one address from
 * holding thousands of sockets (each costs memory and a file descriptor).
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 256;
/** Idle upstream connections kept per upstream (more than any household needs at once). */
const POOL_MAX_IDLE = 64;
/** TLS alert record: fatal unrecognized_name (RFC 6066 3), what a server says to a name it does not serve. */
const ALERT_UNRECOGNIZED_NAME = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70]);
/** Renegotiation lets a client make the server do handshake work again and again on one connection. */
const NO_RENEGOTIATION = constants.SSL_OP_NO_RENEGOTIATION;

/** Why start() failed, in words a person can act on. */
export class DoorStartError extends Error {
  readonly code: 'port-in-use' | 'port-denied' | 'listen-failed';
  readonly fix: string;
  readonly port: number;
  constructor(code: DoorStartError['code'], port: number, message: string, fix: string) {
    super(message);
    this.name = 'DoorStartError';
    this.code = code;
    this.port = port;
    this.fix = fix;
  }
}

interface RouteState { route: DoorRoute; upstream: { host: string; port: number; tls: boolean }; counters: RouteCounters }
interface CertEntry { context: SecureContext; kind: 'placeholder' | 'real'; pem: { key: string; cert: string } }
interface Listener { kind: 'https' | 'http'; port: number; server: Server | HttpServer; bound: number | null; error?: string }

const looksLikeHttp = (b: Buffer) => /^[A-Z]{3,10} [\x21-\x7e]/.test(b.toString('latin1', 0, Math.min(b.length, 16)));

/**
 * The door: owns the HTTPS and HTTP ports. On each TLS connection it peeks the ClientHello (no
 * decryption) and routes: our domains are terminated and reverse-proxied, ALPN `acme-tls/1`
 * answers a TLS-ALPN-01 challenge, this server's `*.plex.direct` names are piped byte for byte to
 * PMS's own TLS port, and any other name (or none) gets an unrecognized_name alert.
 */
export class Door {
  private readonly o: DoorOptions;
  private readonly t: DoorTimeouts;
  private readonly log: Logger;
  private readonly certs = new Map<string, CertEntry>();
  private routes = new Map<string, RouteState>();
  private listeners: Listener[] = [];
  private readonly sockets = new Set<Socket>();
  /** Per open socket: may stop() close it now (no request or stream in flight)? Absent = yes. */
  private readonly idleChecks = new Map<Socket, () => boolean>();
  private readonly errors: Record<string, number> = {};
  private readonly passthroughStats = { openConnections: 0, total: 0, bytesIn: 0, bytesOut: 0 };
  private readonly pool: UpstreamPool;
  private readonly plexDirect: PlexDirectNames;
  private readonly perIp = new Map<string, number>();
  private readonly maxPerIp: number;
  /**
   * One session-ticket key for every context this door builds, so a session resumes across a
   * certificate swap; from `ticketKeyFile` once started (and across restarts), replaced daily.
   */
  private ticketKeys: Buffer = randomBytes(TICKET_KEY_BYTES);
  private rotateTimer: NodeJS.Timeout | null = null;
  /** The passthrough target is one of the door's own ports (decided at start). */
  private passthroughLoop = false;
  private state: DoorStatus['state'] = 'stopped';
  private startError: DoorStatus['error'];

  constructor(opts: DoorOptions) {
    this.o = opts;
    this.t = { ...DEFAULT_DOOR_TIMEOUTS, ...opts.timeouts };
    this.log = opts.logger.child('door');
    this.maxPerIp = opts.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP;
    this.pool = new UpstreamPool({ maxIdlePerUpstream: POOL_MAX_IDLE, idleMs: this.t.upstreamIdleMs });
    this.plexDirect = new PlexDirectNames({ target: opts.passthrough, logger: this.log });
    this.setRoutes(opts.routes);
  }

  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') return;
    this.state = 'starting';
    this.startError = undefined;
    this.listeners = [
      ...this.o.httpsPorts.map((port): Listener => ({ kind: 'https', port, server: this.makeTlsServer(), bound: null })),
      ...(this.o.httpPort === null ? [] : [{ kind: 'http' as const, port: this.o.httpPort, server: this.makeHttpServer(), bound: null }]),
    ];
    try {
      for (const l of this.listeners) await this.listen(l);
    } catch (e) {
      const de = e as DoorStartError;
      this.state = 'error';
      this.startError = { code: de.code, message: de.message, fix: de.fix };
      await Promise.all(this.listeners.filter((l) => l.bound !== null).map((l) => new Promise((r) => l.server.close(r))));
      for (const l of this.listeners) l.bound = null;
      throw e;
    }
    this.passthroughLoop = await this.targetsItself(this.o.passthrough);
    if (this.passthroughLoop) {
      this.log.error('passthrough target is this door itself; plex.direct connections will be closed', {
        target: `${this.o.passthrough.host}:${this.o.passthrough.port}`, fix: 'set plex.tlsPort to Plex Media Server\'s own TLS port (usually 32400), not a door port',
      });
    } else {
      void this.plexDirect.learn();
    }
    if (this.o.ticketKeyFile) await this.useTicketKey(() => TicketKey.load(this.o.ticketKeyFile!, Date.now()));
    this.state = 'running';
    this.log.info('door listening', { bind: this.o.bind, https: this.ports().https, http: this.ports().http });
  }

  /**
   * Seal tickets with the key from the data directory and swap it for a new one when it is a day
   * old. A key that cannot be read or written is not worth a failed start: the in-memory key
   * stays (sessions then do not survive a restart), and the log says why.
   */
  private async useTicketKey(get: () => Promise<TicketKey>): Promise<void> {
    let k: TicketKey;
    try {
      k = await get();
    } catch (e) {
      this.log.warn('session-ticket key not stored; sessions will not resume after a restart', { file: this.o.ticketKeyFile, error: (e as Error).message });
      return;
    }
    if (!k.key.equals(this.ticketKeys)) {
      this.ticketKeys = k.key;
      const rebuilt = new Map<SecureContext, SecureContext>();
      for (const [host, e] of this.certs) {
        let c = rebuilt.get(e.context);
        if (!c) rebuilt.set(e.context, (c = this.buildContext(e.pem)));
        this.certs.set(host, { ...e, context: c });
      }
    }
    this.rotateTimer = setTimeout(() => {
      this.rotateTimer = null;
      void this.useTicketKey(() => TicketKey.create(this.o.ticketKeyFile!, Date.now()));
    }, Math.max(0, k.rotatesAt - Date.now()));
    this.rotateTimer.unref();
  }

  /** Would connecting to `target` reach one of the door's own listeners (a connection loop)? */
  private async targetsItself(target: { host: string; port: number }): Promise<boolean> {
    const p = this.ports();
    if (!p.https.includes(target.port) && p.http !== target.port) return false;
    const addrs = isIP(target.host) ? [target.host] : await lookup(target.host, { all: true }).then((r) => r.map((a) => a.address), () => []);
    const wildcard = this.o.bind === '0.0.0.0' || this.o.bind === '::';
    const own = new Set(Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address)));
    return addrs.map((a) => normalizeIp(a)).some((a) => a === normalizeIp(this.o.bind) ||
      (wildcard && (own.has(a) || a === '0.0.0.0' || a === '::' || a.startsWith('127.'))));
  }

  private listen(l: Listener): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        l.error = e.code ?? e.message;
        const what = l.kind === 'https' ? 'HTTPS door' : 'HTTP door';
        const key = l.kind === 'https' ? 'door.httpsPorts' : 'door.httpPort';
        if (e.code === 'EADDRINUSE') {
          reject(new DoorStartError('port-in-use', l.port, `${what}: port ${l.port} on ${this.o.bind} is already in use by another program`,
            `stop the program using port ${l.port} (e.g. another proxy or a second Portico) or set another port in ${key}`));
        } else if (e.code === 'EACCES' || e.code === 'EPERM') {
          reject(new DoorStartError('port-denied', l.port, `${what}: not allowed to listen on port ${l.port} on ${this.o.bind}`,
            `ports below 1024 need administrator rights; use a high port in ${key} (e.g. 8443) and let the router map 443 to it`));
        } else {
          reject(new DoorStartError('listen-failed', l.port, `${what}: cannot listen on ${this.o.bind}:${l.port} (${e.code ?? e.message})`,
            `check that door.bind (${this.o.bind}) is an address of this machine`));
        }
      };
      l.server.once('error', onError);
      l.server.listen({ port: l.port, host: this.o.bind, backlog: 4096 }, () => {
        l.server.off('error', onError);
        l.server.on('error', (e) => this.log.warn('listener error', { port: l.port, error: e.message }));
        l.bound = (l.server.address() as { port: number }).port;
        l.error = undefined;
        resolve();
      });
    });
  }

  /** Stop accepting, let open connections finish for up to graceMs, then cut what is left. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.rotateTimer) { clearTimeout(this.rotateTimer); this.rotateTimer = null; }
    const closed = Promise.all(this.listeners.map((l) => new Promise<void>((r) => (l.bound === null ? r() : l.server.close(() => r())))));
    for (const l of this.listeners) if (l.kind === 'http') (l.server as HttpServer).closeIdleConnections();
    // Close connections as they become idle; cut whatever is still busy at the deadline.
    const deadline = Date.now() + graceMs;
    for (;;) {
      for (const s of this.sockets) if (this.idleChecks.get(s)?.() ?? true) s.destroy();
      if (this.sockets.size === 0 || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(STOP_POLL_MS, deadline - Date.now())));
    }
    for (const s of this.sockets) s.destroy();
    this.pool.closeAll();
    for (const l of this.listeners) if (l.kind === 'http') (l.server as HttpServer).closeAllConnections();
    await closed;
    for (const l of this.listeners) l.bound = null;
    this.state = 'stopped';
    this.log.info('door stopped');
  }

  /** Install a certificate for hosts; new handshakes use it at once, open connections keep theirs. */
  setCertificate(hosts: string[], pem: { key: string; cert: string }, kind: 'placeholder' | 'real' = 'real'): void {
    // One context per certificate, built here and never per handshake.
    const context = this.buildContext(pem);
    for (const h of hosts) {
      // A placeholder never replaces a real certificate (a route edit re-installs placeholders).
      if (kind === 'placeholder' && this.certs.get(h.toLowerCase())?.kind === 'real') continue;
      this.certs.set(h.toLowerCase(), { context, kind, pem });
    }
    this.log.info('certificate installed', { hosts, kind });
  }

  private buildContext(pem: { key: string; cert: string }): SecureContext {
    return createSecureContext({
      key: pem.key,
      cert: pem.cert,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers: INTERMEDIATE_CIPHERS,
      ecdhCurve: ECDH_CURVES,
      honorCipherOrder: false,
      sessionTimeout: 7200,
      secureOptions: NO_RENEGOTIATION,
      ticketKeys: this.ticketKeys,
    });
  }

  setRoutes(routes: DoorRoute[]): void {
    const next = new Map<string, RouteState>();
    for (const r of routes) {
      const host = r.host.toLowerCase();
      const u = new URL(r.upstream);
      const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
      const old = this.routes.get(host);
      next.set(host, { route: { host, upstream: r.upstream }, upstream: { host: u.hostname.replace(/^\[|\]$/g, ''), port, tls: u.protocol === 'https:' }, counters: old?.counters ?? { openConnections: 0, requests: 0, bytesIn: 0, bytesOut: 0 } });
    }
    this.routes = next;
  }

  ports(): { https: number[]; http: number | null } {
    return {
      https: this.listeners.filter((l) => l.kind === 'https' && l.bound !== null).map((l) => l.bound!),
      http: this.listeners.find((l) => l.kind === 'http')?.bound ?? null,
    };
  }

  getStatus(): DoorStatus {
    const listeners: DoorListenerStatus[] = this.listeners.length
      ? this.listeners.map((l) => ({ kind: l.kind, port: l.bound ?? l.port, listening: l.bound !== null, ...(l.error ? { error: l.error } : {}) }))
      : [...this.o.httpsPorts.map((port) => ({ kind: 'https' as const, port, listening: false })), ...(this.o.httpPort === null ? [] : [{ kind: 'http' as const, port: this.o.httpPort, listening: false }])];
    return {
      state: this.state,
      listeners,
      routes: [...this.routes.values()].map((r) => ({
        host: r.route.host,
        upstream: r.route.upstream,
        certificate: this.certFor(r.route.host)?.kind ?? 'none',
        ...r.counters,
      })),
      passthrough: { ...this.passthroughStats, names: this.passthroughLoop ? 'none (plex.tlsPort is a door port)' : this.plexDirect.pattern },
      errors: { ...this.errors },
      ...(this.startError ? { error: this.startError } : {}),
    };
  }

  private countError(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  /** Exact host first, then a wildcard route (`*.example.com`) one label up. */
  private routeFor(host: string): RouteState | undefined {
    const exact = this.routes.get(host);
    if (exact) return exact;
    const dot = host.indexOf('.');
    return dot > 0 ? this.routes.get(`*${host.slice(dot)}`) : undefined;
  }

  /** Exact host first, then a wildcard one label up; a real certificate beats a placeholder either way. */
  private certFor(host: string): CertEntry | undefined {
    const exact = this.certs.get(host);
    if (exact?.kind === 'real') return exact;
    const dot = host.indexOf('.');
    const wild = dot > 0 ? this.certs.get(`*${host.slice(dot)}`) : undefined;
    return wild?.kind === 'real' ? wild : exact ?? wild;
  }

  private makeTlsServer(): Server {
    return createNetServer({ noDelay: true, allowHalfOpen: true }, (s) => this.onConnection(s));
  }

  private onConnection(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const ip = ipKey(socket.remoteAddress);
    const open = this.perIp.get(ip) ?? 0;
    if (open >= this.maxPerIp) {
      this.countError('per-ip-limit');
      socket.destroy();
      return;
    }
    this.perIp.set(ip, open + 1);
    this.sockets.add(socket);
    let buf: Buffer | null = null;
    const timer = setTimeout(() => { this.countError('handshake-timeout'); socket.destroy(); }, this.t.handshakeMs);
    // Half-open is kept for passthrough and TLS; a client gone before its ClientHello is just gone.
    const onEarlyEnd = () => socket.destroy();
    socket.once('end', onEarlyEnd);
    socket.once('close', () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
      this.idleChecks.delete(socket);
      const n = this.perIp.get(ip)! - 1;
      if (n === 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
    });
    const onData = (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      const r = parseClientHello(buf);
      if (r.kind === 'need-more' && buf.length < MAX_CLIENT_HELLO_BYTES) return;
      socket.off('data', onData);
      socket.off('end', onEarlyEnd);
      socket.pause();
      // `buf` lives in the scope the close listener keeps for the whole connection: let it go.
      const hello = buf;
      buf = null;
      if (r.kind !== 'hello') {
        clearTimeout(timer);
        if (looksLikeHttp(hello)) {
          this.countError('plain-http');
          socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThis is the HTTPS port; use https:// in the address.\n');
          setTimeout(() => socket.destroy(), 1000).unref();
        } else {
          this.countError('bad-client-hello');
          socket.destroy();
        }
        return;
      }
      const sni = r.sni;
      const acme = sni !== undefined && r.alpn.includes('acme-tls/1') ? this.o.challenges.getAlpn(sni) : undefined;
      if (acme) return this.answerAlpnChallenge(socket, hello, acme, timer);
      const route = sni !== undefined ? this.routeFor(sni) : undefined;
      const cert = route ? this.certFor(route.route.host) : undefined;
      if (route && cert) return this.terminate(socket, hello, route, cert.context, timer);
      if (sni === undefined) return this.refuseName(socket, 'no-sni');
      void this.plexDirect.accepts(sni).then((ok) => {
        if (socket.destroyed) return;
        if (ok) this.passthrough(socket, hello, timer);
        else this.refuseName(socket, 'unknown-sni');
      });
    };
    socket.on('data', onData);
  }

  /** TLS-ALPN-01 (RFC 8737): finish the handshake with the challenge certificate, then close. */
  private answerAlpnChallenge(socket: Socket, buf: Buffer, context: SecureContext, timer: NodeJS.Timeout): void {
    socket.unshift(buf);
    const tls = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ['acme-tls/1'] });
    tls.disableRenegotiation();
    tls.on('error', () => tls.destroy());
    tls.once('secure', () => {
      clearTimeout(timer);
      this.log.info('answered a tls-alpn-01 challenge', { servername: tls.servername });
      tls.end();
    });
  }

  private terminate(socket: Socket, buf: Buffer, route: RouteState, context: SecureContext, timer: NodeJS.Timeout): void {
    socket.unshift(buf);
    const tls = new TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
    tls.disableRenegotiation();
    const onHandshakeError = (e: Error) => {
      clearTimeout(timer);
      this.countError('tls-handshake');
      this.log.debug('TLS handshake failed', { host: route.route.host, error: e.message });
      tls.destroy();
    };
    tls.once('error', onHandshakeError);
    tls.once('secure', () => {
      clearTimeout(timer);
      tls.off('error', onHandshakeError);
      tls.on('error', () => tls.destroy());
      const conn = new HttpProxyConnection({
        client: tls,
        upstream: route.upstream,
        pool: this.pool,
        counters: route.counters,
        countError: (k) => this.countError(k),
        timeouts: this.t,
        hsts: this.o.hsts ?? false,
      });
      this.idleChecks.set(socket, () => conn.isIdle(STOP_POLL_MS));
    });
  }

  /** A name the door does not serve: a fatal unrecognized_name alert, as a TLS server says it, then close. */
  private refuseName(socket: Socket, kind: 'no-sni' | 'unknown-sni'): void {
    this.countError(kind);
    socket.end(ALERT_UNRECOGNIZED_NAME);
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /**
   * Bytes untouched to PMS's own TLS port, so the client sees PMS's certificate. The handshake
   * timer runs on until data has moved both ways after the ClientHello (PMS answered, the client
   * went on), so a client that stalls after its ClientHello does not hold PMS.
   */
  private passthrough(socket: Socket, buf: Buffer, timer: NodeJS.Timeout): void {
    if (this.passthroughLoop) {
      clearTimeout(timer);
      this.countError('passthrough-loop');
      socket.destroy();
      return;
    }
    const st = this.passthroughStats;
    st.openConnections++;
    st.total++;
    const helloBytes = socket.bytesRead;
    let timing = true;
    const moved = () => {
      if (!timing || up.bytesRead === 0 || socket.bytesRead === helloBytes) return;
      timing = false;
      clearTimeout(timer);
      socket.off('data', moved);
    };
    // PMS -> client carries the streams. A plain socket allocates a fresh 64 KiB buffer for each
    // read, which V8 frees only at its next GC; a pipe makes so little other garbage that the next
    // GC waited for 64 MB of them (V8's external-memory trigger), and that was the door's peak RSS.
    // So this side reads into one buffer per connection, and reads nothing more while a write to
    // the client still holds its bytes (one that did not finish at once).
    let held = false;
    const release = () => { if (held) { held = false; up.resume(); } };
    const up = connect({
      host: this.o.passthrough.host, port: this.o.passthrough.port, noDelay: true, allowHalfOpen: true,
      onread: {
        buffer: Buffer.allocUnsafe(PASSTHROUGH_READ_BYTES),
        callback: (n, b) => {
          moved();
          socket.write(b.subarray(0, n), release);
          held = socket.writableLength > 0;
          return !held;
        },
      },
    });
    up.write(buf);
    socket.on('data', moved);
    socket.setTimeout(this.t.idleMs, () => { this.countError('idle-timeout'); socket.destroy(); });
    // Client -> PMS is a pipe(): it carries backpressure and the half-close; PMS's half-close is
    // passed on below. Errors and closes are wired by hand so either side failing tears down
    // both, while a clean end still lets the other side flush.
    socket.pipe(up);
    up.on('end', () => socket.end());
    let seen = -1;
    this.idleChecks.set(socket, () => {
      const n = socket.bytesRead + socket.bytesWritten;
      const quiet = n === seen;
      seen = n;
      return quiet;
    });
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') this.countError('passthrough-refused');
      socket.destroy();
    });
    up.on('close', () => { if (!socket.writableEnded) socket.destroy(); });
    socket.once('close', () => {
      st.openConnections--;
      st.bytesIn += socket.bytesRead;
      st.bytesOut += socket.bytesWritten;
      if (!up.writableEnded || socket.errored) up.destroy();
    });
    socket.resume();
  }

  /** The HTTP door: ACME http-01 answers; everything else goes to https. Nothing is proxied. */
  private makeHttpServer(): HttpServer {
    const srv = createHttpServer({ headersTimeout: this.t.headMs, requestTimeout: this.t.headMs * 2, keepAliveTimeout: 5_000 }, (req, res) => this.onHttpRequest(req, res));
    srv.on('connection', (s: Socket) => { this.sockets.add(s); s.once('close', () => this.sockets.delete(s)); });
    return srv;
  }

  private onHttpRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const m = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(url.split('?')[0]!);
    if (m) {
      const answer = this.o.challenges.getHttp(m[1]!);
      if (answer !== undefined) {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(answer), 'Cache-Control': 'no-store' }).end(answer);
      } else {
        this.countError('acme-http-unknown-token');
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('No such ACME challenge token here.\n');
      }
      return;
    }
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (!/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(host)) {
      res.writeHead(400, { 'Content-Type': 'text/plain', Connection: 'close' }).end('This HTTP port only redirects to https://; send a Host header.\n');
      return;
    }
    const port = this.o.publicHttpsPort === 443 ? '' : `:${this.o.publicHttpsPort}`;
    res.writeHead(301, { Location: `https://${host}${port}${url.startsWith('/') ? url : '/'}`, 'Content-Length': 0 }).end();
  }
}

/** Per-address key for the connection cap: IPv4 as is, IPv6 by its /64 (one host or home gets a whole /64). */
function ipKey(address: string | undefined): string {
  const a = normalizeIp(address).split('%')[0]!;
  if (!a.includes(':')) return a;
  const [head, tail] = a.split('::').map((x) => (x ? x.split(':') : []));
  const groups = tail === undefined ? head! : [...head!, ...Array<string>(8 - head!.length - tail.length).fill('0'), ...tail];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
