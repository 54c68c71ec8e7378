import { createSocket } from 'node:dgram';

export interface UdpExchangeOptions {
  /** Waits before each resend; RFC 6886/6887 start at 250 ms and double. */
  waitsMs?: number[];
  localAddress?: string;
}

/**
 * Send a datagram to host:port and resolve with the first reply `accept` takes, resending on the
 * RFC's doubling schedule. Also reports our own address on the path to the host (PCP needs it).
 */
export function udpExchange<T>(host: string, port: number, build: (localAddress: string) => Buffer, accept: (msg: Buffer) => T | undefined, opts: UdpExchangeOptions = {}): Promise<T> {
  const waits = opts.waitsMs ?? [250, 500, 1000, 2000];
  return new Promise<T>((resolve, reject) => {
    const s = createSocket('udp4');
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (e: Error | null, v?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.close();
      if (e) reject(e);
      else resolve(v as T);
    };
    s.on('error', (e) => finish(new Error(`UDP to ${host}:${port} failed: ${e.message}`)));
    s.on('message', (msg, rinfo) => {
      if (rinfo.address !== host) return;
      let v: T | undefined;
      try { v = accept(msg); } catch (e) { return finish(e as Error); }
      if (v !== undefined) finish(null, v);
    });
    s.bind({ address: opts.localAddress ?? '0.0.0.0', port: 0 }, () => {
      s.connect(port, host, () => {
        let payload: Buffer;
        // Thrown inside a socket callback it would crash the process and leave the socket open.
        try { payload = build(s.address().address); } catch (e) { return finish(e as Error); }
        let i = 0;
        const send = () => {
          if (done) return;
          if (i >= waits.length) return finish(new Error(`no answer from ${host}:${port} after ${waits.length} tries (${waits.reduce((a, b) => a + b, 0)} ms)`));
          s.send(payload, (e) => { if (e) finish(new Error(`UDP send to ${host}:${port} failed: ${e.message}`)); });
          timer = setTimeout(send, waits[i++]);
        };
        send();
      });
    });
  });
}
