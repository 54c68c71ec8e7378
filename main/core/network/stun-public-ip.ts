/**
 * Public address by a STUN Binding request (RFC 5389) over UDP: XOR-MAPPED-ADDRESS (or the
 * classic MAPPED-ADDRESS) of the answer, with the RFC's retransmissions and error responses.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { udpExchange } from './udp-exchange.ts';
import type { PublicIpProvider } from './public-ip-provider.ts';

const MAGIC = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_ERROR_CODE = 0x0009;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;

/** "host", "host:port", "[v6]:port" → host and port (3478 by default). */
export function parseStunServer(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`"${s}" is not a STUN server address; use "host" or "host:port"`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 3478 };
}

/** Decode a STUN Binding response for transaction `tid`; undefined = not ours. */
function parseBindingResponse(m: Buffer, tid: Buffer): string | undefined {
  if (m.length < 20 || m.readUInt32BE(4) !== MAGIC || !m.subarray(8, 20).equals(tid)) return undefined;
  const type = m.readUInt16BE(0);
  const len = m.readUInt16BE(2);
  const end = Math.min(m.length, 20 + len);
  let mapped: string | undefined;
  let xmapped: string | undefined;
  let error: string | undefined;
  for (let o = 20; o + 4 <= end;) {
    const at = m.readUInt16BE(o);
    const al = m.readUInt16BE(o + 2);
    const v = m.subarray(o + 4, o + 4 + al);
    if ((at === ATTR_XOR_MAPPED_ADDRESS || at === ATTR_MAPPED_ADDRESS) && v.length >= 8) {
      const fam = v[1];
      const xor = at === ATTR_XOR_MAPPED_ADDRESS;
      if (fam === 0x01) {
        const a = Buffer.from(v.subarray(4, 8));
        if (xor) for (let i = 0; i < 4; i++) a[i]! ^= m[4 + i]!;
        const ip = [...a].join('.');
        if (xor) xmapped = ip; else mapped = ip;
      } else if (fam === 0x02 && v.length >= 20) {
        const a = Buffer.from(v.subarray(4, 20));
        if (xor) for (let i = 0; i < 16; i++) a[i]! ^= m[4 + i]!;
        const ip = a.toString('hex').replace(/(.{4})(?!$)/g, '$1:').replace(/\b0+(?=[0-9a-f])/g, '');
        if (xor) xmapped = ip; else mapped = ip;
      }
    } else if (at === ATTR_ERROR_CODE && v.length >= 4) {
      error = `${(v[2]! & 7) * 100 + v[3]!} ${v.subarray(4).toString('utf8')}`;
    }
    o += 4 + al + ((4 - (al % 4)) % 4);
  }
  if (type === BINDING_ERROR) throw new Error(`STUN server answered with error ${error ?? '(no ERROR-CODE)'}`);
  if (type !== BINDING_SUCCESS) return undefined;
  const ip = xmapped ?? mapped;
  if (!ip) throw new Error('STUN answer carried no mapped address');
  return ip;
}

export class StunPublicIp implements PublicIpProvider {
  readonly name: string;
  private readonly server: string;
  private readonly waitsMs: number[];

  constructor(server: string, opts: { waitsMs?: number[] } = {}) {
    this.server = server;
    this.name = `STUN ${server}`;
    // RFC 5389 §7.2.1: RTO 500 ms, doubling.
    this.waitsMs = opts.waitsMs ?? [500, 1000, 2000];
  }

  async lookup(): Promise<string> {
    const { host, port } = parseStunServer(this.server);
    let addr = host;
    if (!isIP(host)) {
      try {
        addr = (await lookup(host, { family: 4 })).address;
      } catch (e) {
        throw new Error(`STUN server name ${host} does not resolve (${(e as NodeJS.ErrnoException).code}); check publicIp.stunServer`, { cause: e });
      }
    }
    const tid = randomBytes(12);
    const req = Buffer.alloc(20);
    req.writeUInt16BE(BINDING_REQUEST, 0);
    req.writeUInt32BE(MAGIC, 4);
    tid.copy(req, 8);
    try {
      return await udpExchange(addr, port, () => req, (m) => parseBindingResponse(m, tid), { waitsMs: this.waitsMs });
    } catch (e) {
      throw new Error(`public address from STUN ${this.server} failed: ${(e as Error).message}; check publicIp.stunServer or try another server`, { cause: e });
    }
  }
}
