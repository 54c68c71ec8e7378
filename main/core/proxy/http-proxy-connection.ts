/**
 * One terminated client connection, reverse-proxied (the HttpProxyConnection class below says
 * how). Longer than ~300 lines on purpose: the request and response sides are one state machine
 * (the tagged `State` union) over one client socket and its borrowed upstream; the parsers
 * (http-request-head, chunked-body, response-framing) and the pool are their own files.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { ChunkedBody } from './chunked-body.ts';
import { parseRequestHead, MAX_HEAD_BYTES, type RequestHead } from './http-request-head.ts';
import { errorPage } from './error-page.ts';
import { Upstream, UPSTREAM_READ_BYTES, type UpstreamOwner, type UpstreamPool } from './upstream-pool.ts';
import { Deadline } from '../support/deadline.ts';

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
  const n = name.includes('_') ? name.replaceAll('_', '-') : name;
  return n.startsWith('x-forwarded') || CLIENT_ADDRESS.has(n);
}

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked'; body: ChunkedBody }
  | { kind: 'upgrade-pending' }
  | { kind: 'tunnel' }
  | { kind: 'closed' };

const HEAD: State = { kind: 'head' };
const UPGRADE_PENDING: State = { kind: 'upgrade-pending' };
const TUNNEL: State = { kind: 'tunnel' };
const CLOSED: State = { kind: 'closed' };

/**
 * One terminated client connection. Requests are read by a strict head parser that drops
 * hop-by-hop and client-address fields and sets ours, and follows body framing; each exchange
 * borrows an upstream connection from the pool (or opens one) and gives it back once its
 * responses are complete, so client and upstream lifetimes are independent and a client that
 * idles between requests holds nothing upstream. Responses flow back as raw bytes with
 * backpressure; their framing is followed only to know where they end.
 *
 * This is the door's hottest path: a request on a kept-alive connection touches no timer and adds
 * no listener (each limit is a Deadline, re-armed by writing when it is due; the upstream's
 * listeners are its own).
 */
export class HttpProxyConnection implements UpstreamOwner {
  private readonly o: HttpProxyConnectionOptions;
  private readonly client: HttpProxyConnectionOptions['client'];
  private readonly key: string;
  /** The upstream connection serving this client's current exchange. */
  private up: Upstream | null = null;
  /** The upstream connection of the previous exchange, taken again when still idle in the pool. */
  private lastUp: Upstream | null = null;
  /** `up` came from the pool: the upstream may have closed it just as it was taken. */
  private reused = false;
  /** Response bytes seen on `up` in this exchange; an error before any is a 502 (or a retry), after one a cut stream. */
  private upBytes = 0;
  /** Requests sent on `up` while a retry on a fresh connection is still allowed; null once not. */
  private replay: { method: string; close: boolean; http10: boolean; head: Buffer }[] | null = null;
  /** `up` carried an upgrade request: it never goes back to the pool. */
  private upgraded = false;
  private state: State = HEAD;
  private pending: Buffer | null = null;
  /** A request head started arriving (slowloris limit). */
  private readonly headWait: Deadline;
  /** Between requests, after a complete response. */
  private readonly keepAliveWait: Deadline;
  /** From a complete request to the first response byte. */
  private readonly responseWait: Deadline;
  /** A new upstream connection being opened. */
  private readonly connectWait: Deadline;
  /** No bytes either way (a stalled stream or tunnel); re-armed by every read on both sides. */
  private readonly idleWait: Deadline;
  private readonly clientIp: string;
  /** The fields the door adds to every request; their Host part is redone only when the client's Host changes. */
  private added = '';
  private addedFor: string | undefined = '\0';
  /** The client asked to close after the current response (Connection: close, HTTP/1.0), or half-closed. */
  private lastExchange = false;
  private finished = false;
  /** Last bytes either way (`performance.now()`). */
  private lastActivity = performance.now();
  private waitingForDrain = false;
  /** Where a response chunk is copied when the client's writes queue (see writeClient); busy until that write is done. */
  private spill: Buffer | null = null;
  private spillBusy = false;

  constructor(o: HttpProxyConnectionOptions) {
    this.o = o;
    this.client = o.client;
    this.key = `${o.upstream.tls ? 'tls' : 'tcp'}:${o.upstream.host}:${o.upstream.port}`;
    this.clientIp = normalizeIp(o.client.remoteAddress);
    const t = o.timeouts;
    this.headWait = new Deadline(t.headMs, () => {
      this.o.countError('head-timeout');
      // A connection opened and never used just closes; a head cut short gets a 408.
      if (this.pending) this.reject(408, 'the request head did not arrive in time');
      else this.close();
    });
    this.keepAliveWait = new Deadline(t.keepAliveMs, () => this.close());
    this.responseWait = new Deadline(t.upstreamResponseMs, () => {
      this.o.countError('upstream-timeout');
      this.failUpstream(504, 'the upstream server did not answer in time');
    });
    this.connectWait = new Deadline(t.upstreamConnectMs, () => {
      if (!this.up) return;
      this.o.countError('upstream-connect-timeout');
      this.failUpstream(504, 'the upstream server did not accept the connection in time');
    });
    o.counters.openConnections++;
    this.client.on('data', (c: Buffer) => this.onClientData(c));
    this.client.on('end', () => this.onClientEnd());
    this.client.on('error', () => this.close());
    this.client.once('close', () => { o.counters.openConnections--; this.close(); });
    // Not the socket's own setTimeout: Node re-arms that timer on every read and write.
    this.idleWait = new Deadline(t.idleMs, () => { o.countError('idle-timeout'); this.close(); });
    this.idleWait.arm(this.lastActivity);
    // A connection opened and never used (browsers pre-connect) gets the head limit.
    this.waitFor('head');
  }

  /** Between requests, nothing in flight, quiet for quietMs: safe to close when the door stops. */
  isIdle(quietMs: number): boolean {
    return this.state.kind === 'head' && !this.pending && !this.up && performance.now() - this.lastActivity >= quietMs;
  }

  private onClientData(chunk: Buffer): void {
    this.active();
    this.o.counters.bytesIn += chunk.length;
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    this.process(buf);
  }

  private active(): void {
    this.idleWait.arm((this.lastActivity = performance.now()));
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
            if (!this.headWait.isArmed && !this.up) this.waitFor('head');
            return;
          }
          if (r.kind === 'invalid') {
            this.o.countError('bad-request');
            this.reject(r.status, r.reason);
            return;
          }
          this.stopWaiting();
          off += r.size;
          this.o.counters.requests++;
          if (r.close) this.lastExchange = true;
          this.sendHead(r);
          if (r.upgrade) {
            this.state = UPGRADE_PENDING;
            this.armResponseWait();
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

  /**
   * The request line and end-to-end fields as sent, minus client-address fields, plus ours. In
   * HTTP/1.1, the door's own version (RFC 9110 2.5), so an HTTP/1.0 client's upstream connection
   * is reused too (ResponseFraming gives the client 1.0 framing); an HTTP/1.0 request without Host
   * cannot be 1.1 and goes as it came.
   */
  private rewrite(h: RequestHead): Buffer {
    let s = `${h.method} ${h.target} HTTP/${h.host === undefined ? h.version : '1.1'}\r\n`;
    let upgrade: string[] | null = null;
    const named = h.connection.length > 0;
    const fields = h.headers;
    for (let i = 0; i < fields.length; i++) {
      const [name, value] = fields[i]!;
      const l = name.toLowerCase();
      if (l === 'upgrade') (upgrade ??= []).push(value);
      if (HOP_BY_HOP.has(l) || isForwardingHeader(l) || (named && h.connection.includes(l) && !END_TO_END.has(l))) continue;
      s += `${name}: ${value}\r\n`;
    }
    if (h.body.kind === 'chunked') s += 'Transfer-Encoding: chunked\r\n';
    if (h.upgrade) s += `Connection: Upgrade\r\nUpgrade: ${upgrade?.join(', ') ?? ''}\r\n`;
    return Buffer.from(s + this.addedFields(h.host), 'latin1');
  }

  /** X-Forwarded-* and X-Real-IP for a request with this Host, and the head's final empty line. */
  private addedFields(host: string | undefined): string {
    if (host === this.addedFor) return this.added;
    const ip = this.clientIp;
    const port = host ? /:(\d+)$/.exec(host)?.[1] ?? '443' : '443';
    this.addedFor = host;
    this.added = `X-Forwarded-For: ${ip}\r\nX-Real-IP: ${ip}\r\nX-Forwarded-Proto: https\r\n${host ? `X-Forwarded-Host: ${host}\r\n` : ''}X-Forwarded-Port: ${port}\r\n\r\n`;
    return this.added;
  }

  private sendHead(h: RequestHead): void {
    const u = this.up ?? this.acquire();
    const head = this.rewrite(h);
    const http10 = h.version === '1.0';
    u.framing.onRequest(h.method, this.lastExchange, http10);
    if (h.upgrade) this.upgraded = true;
    if (this.replay && this.upBytes === 0 && h.body.kind === 'none' && !h.upgrade && RETRYABLE.has(h.method)) this.replay.push({ method: h.method, close: this.lastExchange, http10, head });
    else this.replay = null;
    this.sendUp(head);
  }

  private requestDone(): void {
    this.state = HEAD;
    const u = this.up;
    if (u && u.framing.pending === 0) this.finishExchange(u); // answered before the body ended
    else this.armResponseWait();
  }

  /** Write toward the current upstream, holding the client back while it is full. */
  private sendUp(data: Buffer): void {
    const u = this.up;
    if (!u || data.length === 0) return;
    if (!u.socket.write(data) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.client.pause();
      u.socket.once('drain', () => {
        this.waitingForDrain = false;
        if (this.state.kind !== 'upgrade-pending' && this.state.kind !== 'closed') this.client.resume();
      });
    }
  }

  /** An idle pooled connection, else a new one. */
  private acquire(): Upstream {
    const pooled = this.o.pool.take(this.key, this, this.lastUp);
    if (pooled) {
      this.bindTo(pooled, true);
      return pooled;
    }
    return this.openUpstream();
  }

  private openUpstream(): Upstream {
    const u = Upstream.open(this.key, this.o.upstream, this.o.hsts);
    u.owner = this;
    this.bindTo(u, false);
    this.connectWait.arm();
    return u;
  }

  private bindTo(u: Upstream, reused: boolean): void {
    this.up = u;
    this.reused = reused;
    this.upBytes = 0;
    this.replay = reused ? [] : null;
    this.upgraded = false;
  }

  onUpstreamConnect(u: Upstream): void {
    if (this.up === u) this.connectWait.disarm();
  }

  onUpstreamData(u: Upstream, c: Buffer): void {
    if (this.up !== u) return;
    this.active();
    this.upBytes += c.length;
    this.replay = null;
    this.o.counters.bytesOut += c.length;
    this.responseWait.disarm();
    // One write per upstream chunk: each write is a TLS record and a syscall of its own.
    const out = u.framing.feed(c);
    if (out.length > 0 && !this.writeClient(out)) {
      u.socket.pause();
      this.client.once('drain', () => { if (this.up === u) u.socket.resume(); });
    }
    this.afterResponseBytes(u);
  }

  /**
   * `out` may point into the upstream's read buffer, read into again after this call. A TLS socket
   * with nothing queued encrypts what it is given at once; a write that queues keeps the bytes it
   * was given, so it gets a copy (test: http-proxy-connection.test.ts). The copy goes into this
   * connection's spill buffer when that is free: a film streamed to a slow client would otherwise
   * leave a 64 KiB garbage buffer per read, tens of MB before V8 collects them.
   */
  private writeClient(out: Buffer): boolean {
    const client = this.client;
    if (client.writableLength === 0) return client.write(out);
    if (this.spillBusy || out.length > UPSTREAM_READ_BYTES) return client.write(Buffer.from(out));
    this.spill ??= Buffer.allocUnsafeSlow(UPSTREAM_READ_BYTES);
    out.copy(this.spill);
    this.spillBusy = true;
    return client.write(this.spill.subarray(0, out.length), this.releaseSpill);
  }

  private readonly releaseSpill = (): void => {
    this.spillBusy = false;
  };

  private afterResponseBytes(u: Upstream): void {
    if (this.state.kind === 'upgrade-pending') {
      if (u.framing.upgraded) {
        this.state = TUNNEL;
        this.resumeHeld();
        return;
      }
      if (u.framing.pending > 0) return;
      this.state = HEAD; // refused: an ordinary response, and the connection stays HTTP
    }
    if (this.state.kind === 'head' && u.framing.pending === 0) {
      this.finishExchange(u);
      if (this.state.kind === 'head') this.resumeHeld();
    }
  }

  private resumeHeld(): void {
    const held = this.pending;
    this.pending = null;
    if (!this.waitingForDrain && this.client.isPaused()) this.client.resume();
    if (held) this.process(held);
  }

  onUpstreamEnd(u: Upstream): void {
    if (this.up !== u) return;
    if (this.state.kind === 'tunnel') { (this.client as unknown as Socket).end(); return; }
    u.framing.onEnd(); // completes a body that runs to the end of the connection
    if (u.framing.pending > 0) { this.onUpstreamGone(u, undefined); return; }
    if (this.state.kind === 'head') this.finishExchange(u);
    else this.close(); // answered and closed while the request body was still coming
  }

  onUpstreamGone(u: Upstream, code: string | undefined): void {
    if (this.up !== u) return;
    if (this.state.kind === 'tunnel') {
      if (code !== undefined || !(this.client as unknown as Socket).writableEnded) this.close();
      return;
    }
    const replay = this.replay;
    this.unbind(u, false);
    if (this.upBytes > 0 || u.framing.pending === 0) {
      this.o.countError('upstream-reset');
      this.close();
      return;
    }
    if (this.reused && replay && replay.length > 0) {
      // pingora's and HAProxy's rule: a reused connection that failed before any response byte,
      // carrying only idempotent requests without a body, is retried once on a fresh connection.
      this.o.countError('upstream-retried');
      const fresh = this.openUpstream();
      for (const r of replay) {
        fresh.framing.onRequest(r.method, r.close, r.http10);
        this.sendUp(r.head);
      }
      return;
    }
    this.o.countError(code === 'ECONNREFUSED' ? 'upstream-refused' : 'upstream-error');
    this.reject(502, code === 'ECONNREFUSED' ? 'the upstream server refused the connection (is it running?)' : 'the connection to the upstream server failed');
  }

  /** The exchange's responses are complete: the upstream goes back to the pool, the client waits for its next request. */
  private finishExchange(u: Upstream): void {
    this.responseWait.disarm();
    const reusable = u.framing.reusable && !this.upgraded && !u.ended;
    this.unbind(u, reusable);
    if (u.framing.closeAfter || this.lastExchange) {
      this.endClient();
      return;
    }
    this.waitFor(this.pending ? 'head' : 'keepalive');
  }

  private unbind(u: Upstream, toPool: boolean): void {
    this.connectWait.disarm();
    if (this.up === u) this.up = null;
    this.lastUp = toPool ? u : null;
    if (toPool) this.o.pool.give(u);
    else u.destroy();
  }

  private onClientEnd(): void {
    this.lastExchange = true;
    const st = this.state.kind;
    if (st === 'tunnel') this.up?.socket.end();
    // Half-close after a complete request: let the response still come back.
    else if (!this.up || st === 'length' || st === 'chunked') this.close();
  }

  private endClient(): void {
    this.state = CLOSED;
    this.disposeTimers();
    this.pending = null;
    this.client.end();
  }

  /** Wait for the next request head: `head` once its first byte arrived (slowloris), `keepalive` between requests. */
  private waitFor(kind: 'head' | 'keepalive'): void {
    if (kind === 'head') {
      this.keepAliveWait.disarm();
      this.headWait.arm();
    } else {
      this.headWait.disarm();
      this.keepAliveWait.arm();
    }
  }

  private stopWaiting(): void {
    this.headWait.disarm();
    this.keepAliveWait.disarm();
  }

  private armResponseWait(): void {
    if (!this.responseWait.isArmed) this.responseWait.arm();
  }

  private failUpstream(status: 502 | 504, why: string): void {
    if (this.up && this.upBytes > 0) return this.close();
    this.reject(status, why);
  }

  /** Answer with a small page, close the client after it, drop the upstream. */
  private reject(status: number, why: string): void {
    if (this.state.kind === 'closed') return;
    if (this.up) this.unbind(this.up, false);
    this.client.removeAllListeners('data');
    this.client.write(errorPage(status, why, this.o.hsts));
    this.endClient();
    // A client that will not read the page must not hold the socket.
    setTimeout(() => this.client.destroy(), REJECT_LINGER_MS).unref();
  }

  private disposeTimers(): void {
    this.headWait.dispose();
    this.keepAliveWait.dispose();
    this.responseWait.dispose();
    this.connectWait.dispose();
    this.idleWait.dispose();
  }

  /** Tear both sides down (idempotent). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.state = CLOSED;
    this.disposeTimers();
    this.pending = null;
    if (this.up) this.unbind(this.up, false);
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
