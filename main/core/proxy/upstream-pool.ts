import type { Socket } from 'node:net';

export interface UpstreamPoolOptions {
  /** Idle connections kept per upstream; more are closed when given back. */
  maxIdlePerUpstream: number;
  /** An idle connection is closed after this; keep it below the upstream's own keep-alive (PMS: 20 s). */
  idleMs: number;
}

interface Idle { socket: Socket; onGone: () => void }

/**
 * Idle keep-alive connections to the upstreams, shared by all client connections (HAProxy's
 * `http-reuse safe`): a connection comes back only between complete requests and responses, and
 * anything it does while idle (data, end, error, timeout) closes it. Most recently used first, so
 * the connections that stay warm are few and the rest time out.
 */
export class UpstreamPool {
  private readonly o: UpstreamPoolOptions;
  private readonly idle = new Map<string, Idle[]>();
  private size = 0;

  constructor(o: UpstreamPoolOptions) {
    this.o = o;
  }

  /** An idle connection to `key`, now owned by the caller (no listeners of the pool left), or null. */
  take(key: string): Socket | null {
    const list = this.idle.get(key);
    for (let e = list?.pop(); e; e = list!.pop()) {
      this.detach(e);
      if (!e.socket.destroyed && e.socket.writable) return e.socket;
      e.socket.destroy();
    }
    return null;
  }

  /** Give back a connection whose last response is complete; the caller removed its own listeners. */
  give(key: string, socket: Socket): void {
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    if (list.length >= this.o.maxIdlePerUpstream || socket.destroyed || !socket.writable || !socket.readable) {
      socket.destroy();
      return;
    }
    const e: Idle = {
      socket,
      onGone: () => {
        const i = list.indexOf(e);
        if (i >= 0) list.splice(i, 1);
        this.detach(e);
        socket.destroy();
      },
    };
    socket.on('data', e.onGone);
    socket.on('end', e.onGone);
    socket.on('error', e.onGone);
    socket.on('timeout', e.onGone);
    socket.on('close', e.onGone);
    socket.setTimeout(this.o.idleMs);
    socket.resume();
    list.push(e);
    this.size++;
  }

  /** Idle connections held now (status and tests). */
  get idleCount(): number {
    return this.size;
  }

  closeAll(): void {
    for (const list of this.idle.values()) for (const e of list.splice(0)) { this.detach(e); e.socket.destroy(); }
  }

  private detach(e: Idle): void {
    this.size--;
    e.socket.setTimeout(0);
    e.socket.off('data', e.onGone);
    e.socket.off('end', e.onGone);
    e.socket.off('error', e.onGone);
    e.socket.off('timeout', e.onGone);
    e.socket.off('close', e.onGone);
  }
}
