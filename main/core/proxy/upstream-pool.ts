import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { constants } from 'node:crypto';
import { ResponseFraming } from './response-framing.ts';

/** Where plain-TCP upstream connections are read (one at a time: the door is one thread). */
/** The most one read of an upstream connection brings. */
export const UPSTREAM_READ_BYTES = 64 * 1024;
const READ_BUFFER = Buffer.allocUnsafe(UPSTREAM_READ_BYTES);

export interface UpstreamPoolOptions {
  /** Idle connections kept per upstream; more are closed when given back. */
  maxIdlePerUpstream: number;
  /** An idle connection is closed after this (at most a quarter more); keep it below the upstream's own keep-alive (PMS: 20 s). */
  idleMs: number;
}

/** What the client connection borrowing an upstream connection hears from it. */
export interface UpstreamOwner {
  onUpstreamConnect(u: Upstream): void;
  onUpstreamData(u: Upstream, c: Buffer): void;
  onUpstreamEnd(u: Upstream): void;
  /** An error (`code`) or the socket closed (`undefined`). */
  onUpstreamGone(u: Upstream, code: string | undefined): void;
}

/**
 * One upstream connection. Its listeners are installed once, when it is opened, and pass what
 * happens to whoever holds it: the client connection that borrowed it, or the pool while it idles
 * (where anything it does closes it). Handing it over is a few field writes, not listeners added
 * and removed on every request, and idling is a place in an intrusive list (no array work).
 */
export class Upstream {
  readonly key: string;
  readonly socket: Socket;
  /** Follows the responses on this connection (it outlives each client that borrows it). */
  readonly framing: ResponseFraming;
  owner: UpstreamOwner | null = null;
  /** The upstream ended its side. */
  ended = false;
  /** When the pool got it back (ms). */
  idleSince = 0;
  /** While idle: the pool's list for its key, and its neighbours there (older, newer). */
  private lane: Lane | null = null;
  private older: Upstream | null = null;
  private newer: Upstream | null = null;

  /** The pool it idles in, if any. */
  get pooledIn(): UpstreamPool | null {
    return this.lane?.pool ?? null;
  }

  constructor(key: string, socket: Socket, hsts: boolean) {
    this.key = key;
    this.socket = socket;
    this.framing = new ResponseFraming(hsts);
    if (socket.connecting) socket.once('connect', () => this.owner?.onUpstreamConnect(this));
    socket.on('data', (c: Buffer) => this.onRead(c, c.length));
    socket.on('end', () => {
      this.ended = true;
      if (this.owner) this.owner.onUpstreamEnd(this);
      else this.dropIdle();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (this.owner) this.owner.onUpstreamGone(this, e.code);
      else this.dropIdle();
    });
    socket.on('close', () => {
      if (this.owner) this.owner.onUpstreamGone(this, undefined);
      else this.dropIdle();
    });
  }

  /**
   * A new connection to `target`. A plain-TCP one is read into one buffer shared by all of them
   * (Node's `onread`): no allocation and no stream machinery per read, about a tenth of the door's
   * CPU on small requests. The bytes an owner gets in `onUpstreamData` are therefore valid only
   * during that call: an owner that keeps them (or hands them to a write that may queue) copies.
   */
  static open(key: string, target: { host: string; port: number; tls: boolean }, hsts: boolean): Upstream {
    const { host, port } = target;
    let u: Upstream | null = null;
    const socket = target.tls
      ? tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], secureOptions: constants.SSL_OP_NO_RENEGOTIATION }).setNoDelay(true)
      : connect({ host, port, noDelay: true, allowHalfOpen: true, onread: { buffer: READ_BUFFER, callback: (n: number, b: Uint8Array) => { u!.onRead(b as Buffer, n); return true; } } });
    u = new Upstream(key, socket, hsts);
    return u;
  }

  private onRead(b: Buffer, n: number): void {
    if (this.owner) this.owner.onUpstreamData(this, n === b.length ? b : b.subarray(0, n));
    else this.dropIdle();
  }

  /** Close it, wherever it is. */
  destroy(): void {
    this.owner = null;
    this.dropIdle();
  }

  private dropIdle(): void {
    this.unlink();
    this.socket.destroy();
  }

  /** @internal the pool's bookkeeping: idle in `lane`, as its newest. */
  linkNewest(lane: Lane): void {
    this.lane = lane;
    this.older = lane.newest;
    this.newer = null;
    if (lane.newest) lane.newest.newer = this;
    else lane.oldest = this;
    lane.newest = this;
    lane.count++;
    lane.pool.size++;
  }

  /** @internal out of its lane, if in one. */
  unlink(): void {
    const lane = this.lane;
    if (!lane) return;
    if (this.older) this.older.newer = this.newer;
    else lane.oldest = this.newer;
    if (this.newer) this.newer.older = this.older;
    else lane.newest = this.older;
    this.lane = this.older = this.newer = null;
    lane.count--;
    lane.pool.size--;
  }
}

/** @internal The idle connections to one upstream, oldest to newest. */
interface Lane {
  readonly pool: UpstreamPool;
  oldest: Upstream | null;
  newest: Upstream | null;
  count: number;
}

/**
 * Idle keep-alive connections to the upstreams, shared by all client connections (HAProxy's
 * `http-reuse safe`): a connection comes back only between complete requests and responses, and
 * anything it does while idle (data, end, error) closes it. Most recently used first, so the
 * connections that stay warm are few and the rest time out; one sweep every quarter of `idleMs`
 * closes those idle longer than `idleMs` (no timer per connection). Taking and giving back are
 * constant time and allocate nothing: this runs twice per request.
 */
export class UpstreamPool {
  private readonly o: UpstreamPoolOptions;
  private readonly lanes = new Map<string, Lane>();
  /** @internal idle connections in all lanes (kept by Upstream.linkNewest/unlink) */
  size = 0;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(o: UpstreamPoolOptions) {
    this.o = o;
  }

  /**
   * An idle connection to `key`, now owned by `owner`, or null: `prefer` (the one this client used
   * last) when it is still idle here, as warm as a connection kept by the client but without the
   * client holding it while idle; else the most recently used.
   */
  take(key: string, owner: UpstreamOwner, prefer?: Upstream | null): Upstream | null {
    if (prefer && prefer.pooledIn === this && prefer.key === key && this.claim(prefer, owner)) return prefer;
    const lane = this.lanes.get(key);
    if (!lane) return null;
    for (let u = lane.newest; u; u = lane.newest) if (this.claim(u, owner)) return u;
    return null;
  }

  /** An idle connection leaves the pool: to `owner` when still usable, else closed. */
  private claim(u: Upstream, owner: UpstreamOwner): boolean {
    u.unlink();
    const s = u.socket;
    if (!s.destroyed && s.writable && !u.ended) {
      u.owner = owner;
      return true;
    }
    s.destroy();
    return false;
  }

  /** Give back a connection whose last response is complete (its owner is done with it). */
  give(u: Upstream): void {
    u.owner = null;
    const s = u.socket;
    let lane = this.lanes.get(u.key);
    if (!lane) this.lanes.set(u.key, (lane = { pool: this, oldest: null, newest: null, count: 0 }));
    if (lane.count >= this.o.maxIdlePerUpstream || s.destroyed || !s.writable || !s.readable || u.ended) {
      s.destroy();
      return;
    }
    u.idleSince = Date.now();
    u.linkNewest(lane);
    if (s.isPaused()) s.resume(); // held back by a slow client: reading again notices a close while idle
    this.sweeper ??= setTimeout(this.sweep, Math.max(1, this.o.idleMs / 4)).unref();
  }

  /** Idle connections held now (status and tests). */
  get idleCount(): number {
    return this.size;
  }

  closeAll(): void {
    for (const lane of this.lanes.values()) {
      for (let u = lane.oldest; u; u = lane.oldest) {
        u.unlink();
        u.socket.destroy();
      }
    }
    if (this.sweeper) clearTimeout(this.sweeper);
    this.sweeper = null;
  }

  private readonly sweep = (): void => {
    this.sweeper = null;
    const old = Date.now() - this.o.idleMs;
    for (const lane of this.lanes.values()) {
      for (let u = lane.oldest; u && u.idleSince <= old; u = lane.oldest) {
        u.unlink();
        u.socket.destroy();
      }
    }
    if (this.size > 0) this.sweeper = setTimeout(this.sweep, Math.max(1, this.o.idleMs / 4)).unref();
  };
}
