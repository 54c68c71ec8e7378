/**
 * One terminated client connection, reverse-proxied (the HttpProxyConnection class below says
 * how). Longer than ~300 lines on purpose: the request and response sides are one state machine
 * (the tagged `State` union) over one client socket and its borrowed upstream; the parsers
 * (http-request-head, chunked-body, response-framing) and the pool are their own files.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { constants } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ChunkedBody } from './chunked-body.ts';
import { parseRequestHead, MAX_HEAD_BYTES, type RequestHead } from './http-request-head.ts';
import { errorPage } from './error-page.ts';
import { ResponseFraming } from './response-framing.ts';
import type { UpstreamPool } from './upstream-pool.ts';

/** Live counters of one route, shared by all its connections (read by Door.getStatus). */
export interface RouteCounters { openConnections: number; requests: number; bytesIn: number; bytesOut: number }

export interface HttpProxyConnectionOptions {
  client: Duplex & { remoteAddress?: string | undefined; setNoDelay?: (v: boolean) => unknown };
  /** `tls`: the upstream URL was https:// (PMS answers both on 32400; its *.plex.direct certificate never matches an IP, so it is not verified). */
  upstream: { host: string; port: number; tls: boolean };
  pool: UpstreamPool;
  counters: RouteCounters;
  countError: (kind: string) => void;
  timeouts: { headMs: number; keepAliveMs: number; idleMs: number; upstreamConnectMs: number; upstreamResponseMs: number };
  hsts: boolean;
}

/** RFC 9110 7.6.1: fields that describe one hop, never forwarded as sent (the door frames and upgrades itself). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);
/** Never dropped because a client named them in `Connection`: Host and framing are how the upstream reads the request. */
const END_TO_END = new Set(['host', 'content-length']);
/** Client-address fields some server or framework trusts, besides every `X-Forwarded-*`. */
const CLIENT_ADDRESS = new Set(['forwarded', 'forwarded-for', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'client-ip', 'cf-connecting-ip',
  'x-cluster-client-ip', 'fastly-client-ip', 'x-originating-ip', 'x-remote-ip', 'x-remote-addr', 'x-proxyuser-ip', 'x-envoy-external-address']);
/** Replayable on a fresh connection when a reused one turns out closed (RFC 9110 9.2.2, without a body). */
const RETRYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);
const REJECT_LINGER_MS = 2000;

/**
 * A header a client may not set: the door sets the client address from the socket (a WAN client
 * must never claim a LAN address). `_` counts as `-`, since some servers read `X_Forwarded_For`
 * as `X-Forwarded-For`. `name` is lower case.
 */
export function isForwardingHeader(name: string): boolean {
  const n = name.replaceAll('_', '-');
  return n.startsWith('x-forwarded') || CLIENT_ADDRESS.has(n);
}

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked'; body: ChunkedBody }
  | { kind: 'upgrade-pending' }
  | { kind: 'tunnel' }
  | { kind: 'closed' };

/** The upstream connection serving this client's current exchange. */
interface Binding {
  socket: Socket;
  framing: ResponseFraming;
  /** Came from the pool: the upstream may have closed it just as it was taken. */
  reused: boolean;
  /** Response bytes seen on it; an error before any is a 502 (or a retry), after one a cut stream. */
  bytes: number;
  /** Requests sent on it while a retry on a fresh connection is still allowed; null once not. */
  replay: { method: string; head: Buffer }[] | null;
  /** Carried an upgrade request: never goes back to the pool. */
  upgrade: boolean;
  ended: boolean;
  connectTimer: NodeJS.Timeout | null;
  off: () => void;
}

/**
 * One terminated client connection. Requests are read by a strict head parser that drops
 * hop-by-hop and client-address fields and sets ours, and follows body framing; each exchange
 * borrows an upstream connection from the pool (or opens one) and gives it back once its
 * responses are complete, so client and upstream lifetimes are independent and a client that
 * idles between requests holds nothing upstream. Responses flow back as raw bytes with
 * backpressure; their framing is followed only to know where they end.
 */
export class HttpProxyConnection {
  private readonly o: HttpProxyConnectionOptions;
  private readonly client: HttpProxyConnectionOptions['client'];
  private readonly key: string;
  private bind: Binding | null = null;
  private state: State = { kind: 'head' };
  private pending: Buffer | null = null;
  /** Waiting for a request head: `head` once its first byte arrived (slowloris), else `keepalive` between requests. */
  private waitTimer: NodeJS.Timeout | null = null;
  private waitKind: 'head' | 'keepalive' | null = null;
  private responseTimer: NodeJS.Timeout | null = null;
  private readonly clientIp: string;
  /** The client asked to close after the current response (Connection: close, HTTP/1.0), or half-closed. */
  private lastExchange = false;
  private finished = false;
  private lastActivity = Date.now();
  private waitingForDrain = false;

  constructor(o: HttpProxyConnectionOptions) {
    this.o = o;
    this.client = o.client;
    this.key = `${o.upstream.tls ? 'tls' : 'tcp'}:${o.upstream.host}:${o.upstream.port}`;
    this.clientIp = normalizeIp(o.client.remoteAddress);
    o.counters.openConnections++;
    this.client.on('data', (c: Buffer) => this.onClientData(c));
    this.client.on('end', () => this.onClientEnd());
    this.client.on('error', () => this.close());
    this.client.once('close', () => { o.counters.openConnections--; this.close(); });
    this.client.on('timeout', () => { o.countError('idle-timeout'); this.close(); });
    (this.client as unknown as Socket).setTimeout?.(o.timeouts.idleMs);
    // A connection opened and never used (browsers pre-connect) gets the head limit.
    this.armWait('head');
  }

  /** Between requests, nothing in flight, quiet for quietMs: safe to close when the door stops. */
  isIdle(quietMs: number): boolean {
    return this.state.kind === 'head' && !this.pending && !this.bind && Date.now() - this.lastActivity >= quietMs;
  }

  private onClientData(chunk: Buffer): void {
    this.lastActivity = Date.now();
    this.o.counters.bytesIn += chunk.length;
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    this.process(buf);
  }

  private process(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) {
      const st = this.state;
      switch (st.kind) {
        case 'head': {
          // After a request asking to close, nothing more is read (RFC 9112 9.6).
          if (this.lastExchange) return;
          const r = parseRequestHead(buf.subarray(off), MAX_HEAD_BYTES);
          if (r.kind === 'need-more') {
            this.pending = buf.subarray(off);
            if (this.waitKind !== 'head' && !this.bind) this.armWait('head');
            return;
          }
          if (r.kind === 'invalid') {
            this.o.countError('bad-request');
            this.reject(r.status, r.reason);
            return;
          }
          this.clearWait();
          off += r.size;
          this.o.counters.requests++;
          if (r.close) this.lastExchange = true;
          this.sendHead(r);
          if (r.upgrade) {
            this.state = { kind: 'upgrade-pending' };
            this.armResponseTimer();
            // Hold whatever follows until the upstream says 101 (tunnel) or not (keep parsing).
            if (off < buf.length) this.pending = buf.subarray(off);
            this.client.pause();
            return;
          }
          if (r.body.kind === 'length') this.state = { kind: 'length', remaining: r.body.length };
          else if (r.body.kind === 'chunked') this.state = { kind: 'chunked', body: new ChunkedBody() };
          else this.requestDone();
          break;
        }
        case 'length': {
          const take = Math.min(st.remaining, buf.length - off);
          this.sendUp(buf.subarray(off, off + take));
          off += take;
          st.remaining -= take;
          if (st.remaining === 0) this.requestDone();
          break;
        }
        case 'chunked': {
          const r = st.body.feed(buf, off);
          if (r.kind === 'invalid') {
            // Part of the body already went upstream: nothing can be answered cleanly; cut both.
            this.o.countError('bad-request');
            this.close();
            return;
          }
          this.sendUp(buf.subarray(off, off + r.data));
          off += r.used;
          if (r.kind === 'done') {
            this.sendUp(trailerSection(r.trailers));
            this.requestDone();
          }
          break;
        }
        case 'tunnel':
          this.sendUp(off === 0 ? buf : buf.subarray(off));
          return;
        case 'upgrade-pending':
          this.pending = this.pending ? Buffer.concat([this.pending, buf.subarray(off)]) : buf.subarray(off);
          this.client.pause();
          return;
        case 'closed':
          return;
      }
      if (this.state.kind === 'closed') return;
    }
  }

  /** The request line and end-to-end fields as sent, minus client-address fields, plus ours. */
  private rewrite(h: RequestHead): Buffer {
    let s = `${h.method} ${h.target} HTTP/${h.version}\r\n`;
    const upgrade: string[] = [];
    for (const [name, value] of h.headers) {
      const l = name.toLowerCase();
      if (l === 'upgrade') upgrade.push(value);
      if (HOP_BY_HOP.has(l) || isForwardingHeader(l) || (h.connection.includes(l) && !END_TO_END.has(l))) continue;
      s += `${name}: ${value}\r\n`;
    }
    if (h.body.kind === 'chunked') s += 'Transfer-Encoding: chunked\r\n';
    if (h.upgrade) s += `Connection: Upgrade\r\nUpgrade: ${upgrade.join(', ')}\r\n`;
    const host = h.host ?? '';
    const port = /:(\d+)$/.exec(host)?.[1] ?? '443';
    s += `X-Forwarded-For: ${this.clientIp}\r\nX-Real-IP: ${this.clientIp}\r\nX-Forwarded-Proto: https\r\n`;
    if (host) s += `X-Forwarded-Host: ${host}\r\n`;
    s += `X-Forwarded-Port: ${port}\r\n\r\n`;
    return Buffer.from(s, 'latin1');
  }

  private sendHead(h: RequestHead): void {
    const b = this.bind ?? this.acquire();
    const head = this.rewrite(h);
    b.framing.onRequest(h.method);
    if (h.upgrade) b.upgrade = true;
    if (b.replay && b.bytes === 0 && h.body.kind === 'none' && !h.upgrade && RETRYABLE.has(h.method)) b.replay.push({ method: h.method, head });
    else b.replay = null;
    this.sendUp(head);
  }

  private requestDone(): void {
    this.state = { kind: 'head' };
    const b = this.bind;
    if (b && b.framing.pending === 0) this.finishExchange(b); // answered before the body ended
    else this.armResponseTimer();
  }

  /** Write toward the current upstream, holding the client back while it is full. */
  private sendUp(data: Buffer): void {
    const b = this.bind;
    if (!b || data.length === 0) return;
    if (!b.socket.write(data) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.client.pause();
      b.socket.once('drain', () => {
        this.waitingForDrain = false;
        if (this.state.kind !== 'upgrade-pending' && this.state.kind !== 'closed') this.client.resume();
      });
    }
  }

  /** An idle pooled connection, else a new one. */
  private acquire(): Binding {
    const pooled = this.o.pool.take(this.key);
    return this.attach(pooled ?? this.open(), pooled !== null);
  }

  private open(): Socket {
    const { host, port, tls } = this.o.upstream;
    return tls
      ? tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], secureOptions: constants.SSL_OP_NO_RENEGOTIATION }).setNoDelay(true)
      : connect({ host, port, noDelay: true, allowHalfOpen: true });
  }

  private attach(socket: Socket, reused: boolean): Binding {
    const b: Binding = {
      socket, framing: new ResponseFraming(this.o.hsts), reused, bytes: 0, replay: reused ? [] : null, upgrade: false, ended: false, connectTimer: null, off: () => {},
    };
    if (!reused) {
      b.connectTimer = setTimeout(() => {
        if (this.bind !== b) return;
        this.o.countError('upstream-connect-timeout');
        this.failUpstream(504, 'the upstream server did not accept the connection in time');
      }, this.o.timeouts.upstreamConnectMs);
      socket.once('connect', () => this.clearConnectTimer(b));
    }
    const onData = (c: Buffer) => this.onUpstreamData(b, c);
    const onEnd = () => this.onUpstreamEnd(b);
    const onError = (e: NodeJS.ErrnoException) => this.onUpstreamGone(b, e.code);
    const onClose = () => this.onUpstreamGone(b, undefined);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    b.off = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    this.bind = b;
    return b;
  }

  private clearConnectTimer(b: Binding): void {
    if (b.connectTimer) { clearTimeout(b.connectTimer); b.connectTimer = null; }
  }

  private onUpstreamData(b: Binding, c: Buffer): void {
    if (this.bind !== b) return;
    this.lastActivity = Date.now();
    b.bytes += c.length;
    b.replay = null;
    this.o.counters.bytesOut += c.length;
    this.clearResponseTimer();
    let flowing = true;
    // One write per upstream chunk: each write is a TLS record and a syscall of its own.
    const parts = b.framing.feed(c);
    if (parts.length) flowing = this.client.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    if (!flowing) {
      b.socket.pause();
      this.client.once('drain', () => { if (this.bind === b) b.socket.resume(); });
    }
    this.afterResponseBytes(b);
  }

  private afterResponseBytes(b: Binding): void {
    if (this.state.kind === 'upgrade-pending') {
      if (b.framing.upgraded) {
        this.state = { kind: 'tunnel' };
        this.resumeHeld();
        return;
      }
      if (b.framing.pending > 0) return;
      this.state = { kind: 'head' }; // refused: an ordinary response, and the connection stays HTTP
    }
    if (this.state.kind === 'head' && b.framing.pending === 0) {
      this.finishExchange(b);
      if (this.state.kind === 'head') this.resumeHeld();
    }
  }

  private resumeHeld(): void {
    const held = this.pending;
    this.pending = null;
    if (!this.waitingForDrain) this.client.resume();
    if (held) this.process(held);
  }

  private onUpstreamEnd(b: Binding): void {
    if (this.bind !== b) return;
    b.ended = true;
    if (this.state.kind === 'tunnel') { (this.client as unknown as Socket).end(); return; }
    b.framing.onEnd(); // completes a body that runs to the end of the connection
    if (b.framing.pending > 0) { this.onUpstreamGone(b, undefined); return; }
    if (this.state.kind === 'head') this.finishExchange(b);
    else this.close(); // answered and closed while the request body was still coming
  }

  private onUpstreamGone(b: Binding, code: string | undefined): void {
    if (this.bind !== b) return;
    if (this.state.kind === 'tunnel') {
      if (code !== undefined || !(this.client as unknown as Socket).writableEnded) this.close();
      return;
    }
    this.clearConnectTimer(b);
    this.unbind(b, false);
    if (b.bytes > 0 || b.framing.pending === 0) {
      this.o.countError('upstream-reset');
      this.close();
      return;
    }
    if (b.reused && b.replay && b.replay.length > 0) {
      // pingora's and HAProxy's rule: a reused connection that failed before any response byte,
      // carrying only idempotent requests without a body, is retried once on a fresh connection.
      this.o.countError('upstream-retried');
      const fresh = this.attach(this.open(), false);
      for (const r of b.replay) {
        fresh.framing.onRequest(r.method);
        this.sendUp(r.head);
      }
      return;
    }
    this.o.countError(code === 'ECONNREFUSED' ? 'upstream-refused' : 'upstream-error');
    this.reject(502, code === 'ECONNREFUSED' ? 'the upstream server refused the connection (is it running?)' : 'the connection to the upstream server failed');
  }

  /** The exchange's responses are complete: the upstream goes back to the pool, the client waits for its next request. */
  private finishExchange(b: Binding): void {
    this.clearResponseTimer();
    const reusable = b.framing.reusable && !b.upgrade && !b.ended;
    this.unbind(b, reusable);
    if (b.framing.closeAfter || this.lastExchange) {
      this.endClient();
      return;
    }
    this.armWait(this.pending ? 'head' : 'keepalive');
  }

  private unbind(b: Binding, toPool: boolean): void {
    b.off();
    this.clearConnectTimer(b);
    if (this.bind === b) this.bind = null;
    if (toPool) this.o.pool.give(this.key, b.socket);
    else b.socket.destroy();
  }

  private onClientEnd(): void {
    this.lastExchange = true;
    const st = this.state.kind;
    if (st === 'tunnel') this.bind?.socket.end();
    // Half-close after a complete request: let the response still come back.
    else if (!this.bind || st === 'length' || st === 'chunked') this.close();
  }

  private endClient(): void {
    this.state = { kind: 'closed' };
    this.teardownTimers();
    this.pending = null;
    this.client.end();
  }

  private armWait(kind: 'head' | 'keepalive'): void {
    this.clearWait();
    this.waitKind = kind;
    this.waitTimer = setTimeout(() => {
      this.waitTimer = null;
      this.waitKind = null;
      if (kind === 'keepalive') return this.close();
      this.o.countError('head-timeout');
      // A connection opened and never used just closes; a head cut short gets a 408.
      if (this.pending) this.reject(408, 'the request head did not arrive in time');
      else this.close();
    }, kind === 'head' ? this.o.timeouts.headMs : this.o.timeouts.keepAliveMs);
  }

  private clearWait(): void {
    if (this.waitTimer) { clearTimeout(this.waitTimer); this.waitTimer = null; this.waitKind = null; }
  }

  private armResponseTimer(): void {
    if (this.responseTimer) return;
    this.responseTimer = setTimeout(() => {
      this.responseTimer = null;
      this.o.countError('upstream-timeout');
      this.failUpstream(504, 'the upstream server did not answer in time');
    }, this.o.timeouts.upstreamResponseMs);
  }

  private clearResponseTimer(): void {
    if (this.responseTimer) { clearTimeout(this.responseTimer); this.responseTimer = null; }
  }

  private failUpstream(status: 502 | 504, why: string): void {
    if (this.bind && this.bind.bytes > 0) return this.close();
    this.reject(status, why);
  }

  /** Answer with a small page, close the client after it, drop the upstream. */
  private reject(status: number, why: string): void {
    if (this.state.kind === 'closed') return;
    if (this.bind) this.unbind(this.bind, false);
    this.client.removeAllListeners('data');
    this.client.write(errorPage(status, why, this.o.hsts));
    this.endClient();
    // A client that will not read the page must not hold the socket.
    setTimeout(() => this.client.destroy(), REJECT_LINGER_MS).unref();
  }

  private teardownTimers(): void {
    this.clearWait();
    this.clearResponseTimer();
  }

  /** Tear both sides down (idempotent). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.state = { kind: 'closed' };
    this.teardownTimers();
    this.pending = null;
    if (this.bind) this.unbind(this.bind, false);
    this.client.destroy();
  }
}

/** The trailer section as forwarded: client-address and hop-by-hop fields dropped (they would reach the upstream unchecked). */
function trailerSection(trailers: [string, string][]): Buffer {
  let s = '';
  for (const [name, value] of trailers) {
    const l = name.toLowerCase();
    if (!HOP_BY_HOP.has(l) && !END_TO_END.has(l) && !isForwardingHeader(l)) s += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${s}\r\n`, 'latin1');
}

/** The client's address as PMS should see it: IPv4-mapped IPv6 shown as plain IPv4. */
export function normalizeIp(a: string | undefined): string {
  if (!a) return 'unknown';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
