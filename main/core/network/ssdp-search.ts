import { createSocket } from 'node:dgram';

const SSDP_ADDR = '239.255.255.250';
const SSDP_PORT = 1900;
const TARGETS = ['urn:schemas-upnp-org:device:InternetGatewayDevice:2', 'urn:schemas-upnp-org:device:InternetGatewayDevice:1'];

export interface SsdpAnswer { location: string; st: string; from: string }

/**
 * Hand-written: an SSDP answer is an HTTP-style header block in one UDP datagram (no XML); all
 * that is read is LOCATION and ST, and the device description it points to goes through
 * upnp-client.ts. A library would add a socket model we would have to adapt for `until`.
 *
 * SSDP M-SEARCH for Internet gateway devices (IGD v2 and v1). Resolves with every answer seen
 * within `timeoutMs` (deduplicated by LOCATION), or as soon as an answer satisfies `until`
 * (e.g. "came from our gateway"); an empty list means no UPnP router answered.
 */
export function ssdpSearch(opts: { timeoutMs?: number; localAddress?: string; until?: (a: SsdpAnswer) => boolean } = {}): Promise<SsdpAnswer[]> {
  const timeoutMs = opts.timeoutMs ?? 1500;
  return new Promise((resolve) => {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    const found = new Map<string, SsdpAnswer>();
    let timer: NodeJS.Timeout | undefined;
    const done = () => { clearTimeout(timer); try { s.close(); } catch { /* already closed */ } resolve([...found.values()]); };
    s.on('error', done);
    s.on('message', (msg, rinfo) => {
      const text = msg.toString('latin1');
      if (!/^HTTP\/1\.1 200/i.test(text)) return;
      const h = (name: string) => new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'im').exec(text)?.[1];
      const location = h('LOCATION');
      if (location && !found.has(location)) {
        const a = { location, st: h('ST') ?? '', from: rinfo.address };
        found.set(location, a);
        if (opts.until?.(a)) done();
      }
    });
    s.bind({ address: opts.localAddress ?? '0.0.0.0', port: 0 }, () => {
      const mx = Math.max(1, Math.min(5, Math.floor(timeoutMs / 1000)));
      for (const st of TARGETS) {
        const m = Buffer.from(`M-SEARCH * HTTP/1.1\r\nHOST: ${SSDP_ADDR}:${SSDP_PORT}\r\nMAN: "ssdp:discover"\r\nMX: ${mx}\r\nST: ${st}\r\n\r\n`);
        s.send(m, SSDP_PORT, SSDP_ADDR, () => {});
      }
      timer = setTimeout(done, timeoutMs);
    });
  });
}
