import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { ChunkedBody } from './chunked-body.ts';
import { parseRequestHead, MAX_HEAD_BYTES, type RequestHead } from './http-request-head.ts';
import { errorPage } from './error-page.ts';
import { HstsInjector } from './hsts-injector.ts';

/** Live counters of one route, shared by all its connections (read by Door.getStatus). */
export interface RouteCounters { openConnections: number; requests: number; bytesIn: number; bytesOut: number }

export interface HttpProxyConnectionOptions {
  client: Duplex & { remoteAddress?: string | undefined; setNoDelay?: (v: boolean) => unknown };
  /** `tls`: the upstream URL was https:// (PMS answers both on 32400; its *.plex.direct certificate never matches an IP, so it is not verified). */
  upstream: { host: string; port: number; tls: boolean };
  counters: RouteCounters;
  countError: (kind: string) => void;
  timeouts: { headMs: number; idleMs: number; upstreamConnectMs: number; upstreamResponseMs: number };
  hsts: boolean;
}

/** Headers a client may not set: the door sets them from the socket (a WAN client must never claim a LAN address). */
const FORWARDING = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip', 'forwarded']);
const RESPONSE_101 = /^HTTP\/1\.[01] 101[ \r]/;

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked'; body: ChunkedBody }
  | { kind: 'upgrade-pending'; seen: string }
  | { kind: 'tunnel' }
  | { kind: 'closed' };

/**
 * One terminated client connection and its own upstream connection (opened at the first request,
 * kept for the client's lifetime). Requests are read by a strict head parser that rewrites the
 * forwarding headers and follows body framing; responses flow back as raw bytes with backpressure,
 * so the response path costs no more than a TCP pipe. The upstream closing ends the client too, so
 * the client sees exactly the connection lifetime the upstream chose.
 */
export class HttpProxyConnection {
  private readonly o: HttpProxyConnectionOptions;
  private readonly client: HttpProxyConnectionOptions['client'];
  private upstream: Socket | null = null;
  private state: State = { kind: 'head' };
  private pending: Buffer | null = null;
  private headTimer: NodeJS.Timeout | null = null;
  private responseTimer: NodeJS.Timeout | null = null;
  /** Bytes seen from the upstream since it was opened: an error before any is a 502, not a cut stream. */
  private upstreamBytes = 0;
  private readonly clientIp: string;
  private finished = false;
  private lastActivity = Date.now();
  private waitingForDrain = false;
  /** Only with door.hsts: follows response framing to add the header to each response head. */
  private readonly hstsInjector: HstsInjector | null;

  constructor(o: HttpProxyConnectionOptions) {
    this.o = o;
    this.client = o.client;
    this.clientIp = normalizeIp(o.client.remoteAddress);
    this.hstsInjector = o.hsts ? new HstsInjector() : null;
    o.counters.openConnections++;
    this.client.on('data', (c: Buffer) => this.onClientData(c));
    this.client.on('end', () => this.onClientEnd());
    this.client.on('error', () => this.close());
    this.client.once('close', () => { o.counters.openConnections--; this.close(); });
    this.client.on('timeout', () => { o.countError('idle-timeout'); this.close(); });
    (this.client as unknown as Socket).setTimeout?.(o.timeouts.idleMs);
    this.armHeadTimer();
  }

  /** Between requests, nothing in flight, quiet for quietMs: safe to close when the door stops. */
  isIdle(quietMs: number): boolean {
    return this.state.kind === 'head' && !this.pending && !this.responseTimer && Date.now() - this.lastActivity >= quietMs;
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
          const r = parseRequestHead(buf.subarray(off), MAX_HEAD_BYTES);
          if (r.kind === 'need-more') {
            this.pending = buf.subarray(off);
            this.armHeadTimer();
            return;
          }
          if (r.kind === 'invalid') {
            this.o.countError('bad-request');
            this.reject(r.status, r.reason);
            return;
          }
          this.clearHeadTimer();
          off += r.size;
          this.o.counters.requests++;
          this.hstsInjector?.onRequest(r.method);
          if (!this.sendUp(this.rewrite(r))) return;
          if (r.upgrade) {
            this.state = { kind: 'upgrade-pending', seen: '' };
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
          if (!this.sendUp(buf.subarray(off, off + take))) return;
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
          if (!this.sendUp(buf.subarray(off, off + r.used))) return;
          off += r.used;
          if (r.kind === 'done') this.requestDone();
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
    }
  }

  /** The request line and fields as sent, minus client-sent forwarding fields, plus ours. */
  private rewrite(h: RequestHead): Buffer {
    let s = `${h.method} ${h.target} HTTP/${h.version}\r\n`;
    for (const [name, value] of h.headers) {
      if (!FORWARDING.has(name.toLowerCase())) s += `${name}: ${value}\r\n`;
    }
    const host = h.host ?? '';
    const port = /:(\d+)$/.exec(host)?.[1] ?? '443';
    s += `X-Forwarded-For: ${this.clientIp}\r\nX-Real-IP: ${this.clientIp}\r\nX-Forwarded-Proto: https\r\n`;
    if (host) s += `X-Forwarded-Host: ${host}\r\n`;
    s += `X-Forwarded-Port: ${port}\r\n\r\n`;
    return Buffer.from(s, 'latin1');
  }

  private requestDone(): void {
    this.state = { kind: 'head' };
    this.armResponseTimer();
  }

  /** Write toward the upstream (opening it on first use); false when the connection is gone. */
  private sendUp(b: Buffer): boolean {
    if (this.state.kind === 'closed') return false;
    const up = this.upstream ?? this.openUpstream();
    if (b.length > 0 && !up.write(b) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.client.pause();
      up.once('drain', () => {
        this.waitingForDrain = false;
        if (this.state.kind !== 'upgrade-pending') this.client.resume();
      });
    }
    return true;
  }

  private openUpstream(): Socket {
    const { host, port, tls } = this.o.upstream;
    const up = tls
      ? tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }).setNoDelay(true)
      : connect({ host, port, noDelay: true, allowHalfOpen: true });
    this.upstream = up;
    const connectTimer = setTimeout(() => {
      this.o.countError('upstream-connect-timeout');
      this.failUpstream(504, 'the upstream server did not accept the connection in time');
    }, this.o.timeouts.upstreamConnectMs);
    up.once('connect', () => clearTimeout(connectTimer));
    up.on('data', (c: Buffer) => this.onUpstreamData(c));
    up.on('end', () => (this.client as unknown as Socket).end());
    up.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (this.upstreamBytes === 0) {
        this.o.countError(e.code === 'ECONNREFUSED' ? 'upstream-refused' : 'upstream-error');
        this.failUpstream(502, e.code === 'ECONNREFUSED' ? 'the upstream server refused the connection (is it running?)' : 'the connection to the upstream server failed');
      } else {
        this.o.countError('upstream-reset');
        this.close();
      }
    });
    up.on('close', () => { clearTimeout(connectTimer); if (this.state.kind !== 'closed' && !(this.client as unknown as Socket).writableEnded) this.close(); });
    return up;
  }

  private onUpstreamData(c: Buffer): void {
    this.lastActivity = Date.now();
    this.upstreamBytes += c.length;
    this.o.counters.bytesOut += c.length;
    this.clearResponseTimer();
    const st = this.state;
    if (st.kind === 'upgrade-pending') this.checkUpgrade(st, c);
    let flowing = true;
    if (this.hstsInjector) for (const part of this.hstsInjector.feed(c)) flowing = this.client.write(part) && flowing;
    else flowing = this.client.write(c);
    if (!flowing) {
      this.upstream!.pause();
      this.client.once('drain', () => this.upstream?.resume());
    }
  }

  private checkUpgrade(st: { kind: 'upgrade-pending'; seen: string }, c: Buffer): void {
    st.seen += c.toString('latin1', 0, Math.min(c.length, 16));
    if (st.seen.length < 13 && !st.seen.includes('\r')) return;
    const held = this.pending;
    this.pending = null;
    this.state = RESPONSE_101.test(st.seen) ? { kind: 'tunnel' } : { kind: 'head' };
    if (!this.waitingForDrain) this.client.resume();
    if (held) this.process(held);
  }

  private onClientEnd(): void {
    // Half-close: the client has sent everything; let the response still come back.
    this.clearHeadTimer();
    if (this.upstream) this.upstream.end();
    else this.close();
  }

  private armHeadTimer(): void {
    if (this.headTimer) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = null;
      this.o.countError('head-timeout');
      // A connection opened and never used (browsers pre-connect) just closes; a head cut short gets a 408.
      if (this.pending) this.reject(408, 'the request head did not arrive in time');
      else this.close();
    }, this.o.timeouts.headMs);
  }

  private clearHeadTimer(): void {
    if (this.headTimer) { clearTimeout(this.headTimer); this.headTimer = null; }
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
    if (this.upstreamBytes > 0) return this.close();
    this.reject(status, why);
  }

  /** Answer with a small page, close the client after it, drop the upstream. */
  private reject(status: number, why: string): void {
    if (this.state.kind === 'closed') return;
    this.teardownTimers();
    this.state = { kind: 'closed' };
    this.pending = null;
    this.upstream?.destroy();
    this.client.removeAllListeners('data');
    this.client.end(errorPage(status, why, this.o.hsts));
    // A client that will not read the page must not hold the socket.
    setTimeout(() => this.client.destroy(), 2000).unref();
  }

  private teardownTimers(): void {
    this.clearHeadTimer();
    this.clearResponseTimer();
  }

  /** Tear both sides down (idempotent). */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.state = { kind: 'closed' };
    this.teardownTimers();
    this.pending = null;
    this.upstream?.destroy();
    this.client.destroy();
  }
}

/** The client's address as PMS should see it: IPv4-mapped IPv6 shown as plain IPv4. */
export function normalizeIp(a: string | undefined): string {
  if (!a) return 'unknown';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
