/**
 * PCP (RFC 6887) MAP and ANNOUNCE over node:dgram. No npm PCP client exists; the wire format is
 * small: a 24-byte header and a 36-byte MAP body. Lifetime 0 deletes (same nonce required).
 */
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { udpExchange, type UdpExchangeOptions } from './udp-exchange.ts';
import { MappingConflictError, type MapRequest, type MapResult, type PortMapper } from './port-mapper.ts';

const PCP_PORT = 5351;
const OP_ANNOUNCE = 0;
const OP_MAP = 1;

const RESULTS: Record<number, string> = {
  1: 'UNSUPP_VERSION (the router speaks only NAT-PMP)',
  2: 'NOT_AUTHORIZED (PCP mappings are switched off or restricted on the router)',
  3: 'MALFORMED_REQUEST',
  4: 'UNSUPP_OPCODE',
  5: 'UNSUPP_OPTION',
  6: 'MALFORMED_OPTION',
  7: 'NETWORK_FAILURE (the router has no external address yet)',
  8: 'NO_RESOURCES (the router has no free mappings)',
  9: 'UNSUPP_PROTOCOL',
  10: 'USER_EX_QUOTA (this device has too many mappings)',
  11: 'CANNOT_PROVIDE_EXTERNAL (the requested WAN port is not available)',
  12: 'ADDRESS_MISMATCH (the router sees this device behind another NAT)',
  13: 'EXCESSIVE_REMOTE_PEERS',
};

export class PcpError extends Error {
  readonly resultCode: number;
  constructor(resultCode: number, what: string) {
    super(`PCP ${what} refused by the router: ${RESULTS[resultCode] ?? `result code ${resultCode}`}`);
    this.name = 'PcpError';
    this.resultCode = resultCode;
  }
}

function v4mapped(ip: string): Buffer {
  const b = Buffer.alloc(16);
  if (!isIPv4(ip)) throw new Error(`PCP client: ${ip} is not an IPv4 address`);
  b[10] = 0xff;
  b[11] = 0xff;
  ip.split('.').forEach((o, i) => (b[12 + i] = Number(o)));
  return b;
}

function fromMapped(b: Buffer): string {
  return b.subarray(0, 12).equals(v4mapped('0.0.0.0').subarray(0, 12)) ? [...b.subarray(12, 16)].join('.') : b.toString('hex').replace(/(.{4})(?!$)/g, '$1:');
}

function header(op: number, lifetime: number, clientIp: string): Buffer {
  const b = Buffer.alloc(24);
  b[0] = 2;
  b[1] = op;
  b.writeUInt32BE(lifetime, 4);
  v4mapped(clientIp).copy(b, 8);
  return b;
}

export class PcpClient implements PortMapper {
  readonly protocol = 'pcp' as const;
  private readonly gateway: string;
  private readonly port: number;
  private readonly opts: UdpExchangeOptions;
  private lastExternal: string | null = null;

  constructor(gateway: string, opts: UdpExchangeOptions & { port?: number } = {}) {
    this.gateway = gateway;
    this.port = opts.port ?? PCP_PORT;
    this.opts = opts;
  }

  /** Does the router speak PCP? (ANNOUNCE, RFC 6887 §14.1) */
  async announce(): Promise<void> {
    await udpExchange(this.gateway, this.port, (me) => header(OP_ANNOUNCE, 0, me), (m) => {
      if (m.length < 24 || m[1] !== 0x80 + OP_ANNOUNCE) return undefined;
      if (m[0] !== 2 || m[3] !== 0) throw new PcpError(m[0] !== 2 ? 1 : m[3]!, 'announce');
      return true;
    }, this.opts);
  }

  private async request(req: MapRequest, lifetime: number, nonce: Buffer): Promise<MapResult> {
    const proto = req.transport === 'UDP' ? 17 : 6;
    return udpExchange(this.gateway, this.port, (me) => {
      const body = Buffer.alloc(36);
      nonce.copy(body, 0);
      body[12] = proto;
      body.writeUInt16BE(req.internalPort, 16);
      body.writeUInt16BE(req.externalPort, 18);
      v4mapped('0.0.0.0').copy(body, 20);
      return Buffer.concat([header(OP_MAP, lifetime, req.internalClient || me), body]);
    }, (m) => {
      if (m.length < 24 || m[1] !== 0x80 + OP_MAP) return undefined;
      // A NAT-PMP-only router answers a version-2 request with version 0 + "unsupported version".
      if (m[0] !== 2) throw new PcpError(1, 'mapping');
      if (m.length >= 60 && !m.subarray(24, 36).equals(nonce)) return undefined;
      if (m[3] !== 0) throw new PcpError(m[3]!, lifetime === 0 ? `delete of WAN port ${req.externalPort}` : `mapping of WAN port ${req.externalPort}`);
      return { externalPort: m.readUInt16BE(42), lifetimeSeconds: m.readUInt32BE(4), externalAddress: fromMapped(m.subarray(44, 60)), nonce: nonce.toString('hex') };
    }, this.opts);
  }

  async map(req: MapRequest): Promise<MapResult> {
    const nonce = req.nonce ? Buffer.from(req.nonce, 'hex') : randomBytes(12);
    const lifetime = req.lifetimeSeconds > 0 ? req.lifetimeSeconds : 7200;
    let r: MapResult;
    try {
      r = await this.request(req, lifetime, nonce);
    } catch (e) {
      if (e instanceof PcpError && e.resultCode === 11) throw new MappingConflictError(req.externalPort, null, `WAN port ${req.externalPort}/${req.transport} is not available (${e.message})`);
      throw e;
    }
    if (r.externalAddress) this.lastExternal = r.externalAddress;
    if (r.externalPort !== req.externalPort) {
      await this.request({ ...req, externalPort: r.externalPort }, 0, nonce).catch(() => {});
      throw new MappingConflictError(req.externalPort, null, `WAN port ${req.externalPort}/${req.transport} is not available: the router offered port ${r.externalPort} instead over PCP (another device holds it, or the router does not allow this port)`, r.externalPort);
    }
    return r;
  }

  async unmap(req: MapRequest): Promise<void> {
    if (!req.nonce) throw new Error(`PCP delete of WAN port ${req.externalPort} needs the nonce used to create it; it was not recorded`);
    await this.request(req, 0, Buffer.from(req.nonce, 'hex'));
  }

  /**
   * PCP has no "what is my address" opcode: the external address comes back in MAP answers.
   * Without a mapping yet, a short-lived probe mapping on a high port is made and deleted.
   */
  async externalAddress(): Promise<string> {
    if (this.lastExternal) return this.lastExternal;
    const probe: MapRequest = { internalClient: '', internalPort: 9, externalPort: 0, transport: 'UDP', lifetimeSeconds: 30, description: 'portico probe' };
    const nonce = randomBytes(12);
    const r = await this.request(probe, 30, nonce);
    await this.request(probe, 0, nonce).catch(() => {});
    if (!r.externalAddress) throw new Error('PCP answer carried no external address');
    this.lastExternal = r.externalAddress;
    return r.externalAddress;
  }
}
