import type { Socket } from 'node:net';
import { ResponseFraming } from './response-framing.ts';

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
 * (where anything it does closes it). Handing it over is two field writes, not listeners added
 * and removed on every request.
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
  private pool: UpstreamPool | null = null;

  /** The pool it idles in, if any. */
  get pooledIn(): UpstreamPool | null {
    return this.pool;
  }

  constructor(key: string, socket: Socket, hsts: boolean) {
    this.key = key;
    this.socket = socket;
    this.framing = new ResponseFraming(hsts);
    if (socket.connecting) socket.once('connect', () => this.owner?.onUpstreamConnect(this));
    socket.on('data', (c: Buffer) => {
      if (this.owner) this.owner.onUpstreamData(this, c);
      else this.dropIdle();
    });
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

  /** Close it, wherever it is. */
  destroy(): void {
    this.owner = null;
    this.dropIdle();
    this.socket.destroy();
  }

  private dropIdle(): void {
    const pool = this.pool;
    this.pool = null;
    pool?.remove(this);
    this.socket.destroy();
  }

  /** @internal the pool's bookkeeping */
  setPool(pool: UpstreamPool | null): void {
    this.pool = pool;
  }
}

/**
 * Idle keep-alive connections to the upstreams, shared by all client connections (HAProxy's
 * `http-reuse safe`): a connection comes back only between complete requests and responses, and
 * anything it does while idle (data, end, error) closes it. Most recently used first, so the
 * connections that stay warm are few and the rest time out; one sweep every quarter of `idleMs`
 * closes those idle longer than `idleMs` (no timer per connection).
 */
export class UpstreamPool {
  private readonly o: UpstreamPoolOptions;
  /** Per upstream, oldest first. */
  private readonly idle = new Map<string, Upstream[]>();
  private size = 0;
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
    const list = this.idle.get(key);
    if (!list) return null;
    if (prefer && prefer.pooledIn === this && prefer.key === key) {
      const i = list.lastIndexOf(prefer);
      if (i >= 0) {
        list.splice(i, 1);
        if (this.claim(prefer, owner)) return prefer;
      }
    }
    for (let u = list.pop(); u; u = list.pop()) if (this.claim(u, owner)) return u;
    return null;
  }

  /** An idle connection leaves the pool: to `owner` when still usable, else closed. */
  private claim(u: Upstream, owner: UpstreamOwner): boolean {
    this.size--;
    u.setPool(null);
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
    let list = this.idle.get(u.key);
    if (!list) this.idle.set(u.key, (list = []));
    if (list.length >= this.o.maxIdlePerUpstream || s.destroyed || !s.writable || !s.readable || u.ended) {
      s.destroy();
      return;
    }
    u.idleSince = Date.now();
    u.setPool(this);
    if (s.isPaused()) s.resume(); // held back by a slow client: reading again notices a close while idle
    list.push(u);
    this.size++;
    this.sweeper ??= setTimeout(this.sweep, Math.max(1, this.o.idleMs / 4)).unref();
  }

  /** Idle connections held now (status and tests). */
  get idleCount(): number {
    return this.size;
  }

  closeAll(): void {
    for (const list of this.idle.values()) {
      for (const u of list.splice(0)) {
        this.size--;
        u.setPool(null);
        u.socket.destroy();
      }
    }
    if (this.sweeper) clearTimeout(this.sweeper);
    this.sweeper = null;
  }

  /** @internal an idle connection that closed or misbehaved */
  remove(u: Upstream): void {
    const list = this.idle.get(u.key);
    const i = list ? list.indexOf(u) : -1;
    if (i < 0) return;
    list!.splice(i, 1);
    this.size--;
  }

  private readonly sweep = (): void => {
    this.sweeper = null;
    const old = Date.now() - this.o.idleMs;
    for (const list of this.idle.values()) {
      while (list.length > 0 && list[0]!.idleSince <= old) {
        const u = list.shift()!;
        this.size--;
        u.setPool(null);
        u.socket.destroy();
      }
    }
    if (this.size > 0) this.sweeper = setTimeout(this.sweep, Math.max(1, this.o.idleMs / 4)).unref();
  };
}
