/**
 * NAT-PMP (RFC 6886) over node:dgram: external address (opcode 0) and TCP/UDP mappings
 * (opcodes 2/1; lifetime 0 deletes). Written by hand: the npm clients tested against miniupnpd
 * ignore the requested external port (shared/reference/test-peers.md).
 */
import { udpExchange, type UdpExchangeOptions } from './udp-exchange.ts';
import { MappingConflictError, type MapRequest, type MapResult, type PortMapper } from './port-mapper.ts';

const NAT_PMP_PORT = 5351;

const RESULTS: Record<number, string> = {
  1: 'unsupported version',
  2: 'not authorized (NAT-PMP is switched off or restricted on the router)',
  3: 'network failure (the router has no external address yet)',
  4: 'out of resources (the router has no free mappings)',
  5: 'unsupported opcode',
};

export class NatPmpError extends Error {
  readonly resultCode: number;
  constructor(resultCode: number, what: string) {
    super(`NAT-PMP ${what} refused by the router: ${RESULTS[resultCode] ?? `result code ${resultCode}`}`);
    this.name = 'NatPmpError';
    this.resultCode = resultCode;
  }
}

export class NatPmpClient implements PortMapper {
  readonly protocol = 'natpmp' as const;
  private readonly gateway: string;
  private readonly port: number;
  private readonly opts: UdpExchangeOptions;

  constructor(gateway: string, opts: UdpExchangeOptions & { port?: number } = {}) {
    this.gateway = gateway;
    this.port = opts.port ?? NAT_PMP_PORT;
    this.opts = opts;
  }

  async externalAddress(): Promise<string> {
    return udpExchange(this.gateway, this.port, () => Buffer.from([0, 0]), (m) => {
      if (m.length < 12 || m[0] !== 0 || m[1] !== 128) return undefined;
      const rc = m.readUInt16BE(2);
      if (rc !== 0) throw new NatPmpError(rc, 'external address request');
      return [...m.subarray(8, 12)].join('.');
    }, this.opts);
  }

  private async request(req: MapRequest, lifetime: number, externalPort: number): Promise<MapResult> {
    const op = req.transport === 'UDP' ? 1 : 2;
    return udpExchange(this.gateway, this.port, () => {
      const b = Buffer.alloc(12);
      b[0] = 0;
      b[1] = op;
      b.writeUInt16BE(req.internalPort, 4);
      b.writeUInt16BE(externalPort, 6);
      b.writeUInt32BE(lifetime, 8);
      return b;
    }, (m) => {
      if (m.length < 16 || m[0] !== 0 || m[1] !== 128 + op || m.readUInt16BE(8) !== req.internalPort) return undefined;
      const rc = m.readUInt16BE(2);
      if (rc !== 0) throw new NatPmpError(rc, lifetime === 0 ? `delete of port ${req.internalPort}` : `mapping of WAN port ${req.externalPort}`);
      return { externalPort: m.readUInt16BE(10), lifetimeSeconds: m.readUInt32BE(12) };
    }, this.opts);
  }

  async map(req: MapRequest): Promise<MapResult> {
    // NAT-PMP has no permanent mappings: 0 would delete.
    const lifetime = req.lifetimeSeconds > 0 ? req.lifetimeSeconds : 7200;
    const r = await this.request(req, lifetime, req.externalPort);
    if (r.externalPort !== req.externalPort) {
      // The router picked another port because ours is taken. Give that one back and report.
      await this.request(req, 0, r.externalPort).catch(() => {});
      throw new MappingConflictError(req.externalPort, null, `WAN port ${req.externalPort}/${req.transport} is not available: the router offered port ${r.externalPort} instead over NAT-PMP (another device holds it, or the router does not allow this port)`, r.externalPort);
    }
    return r;
  }

  async unmap(req: MapRequest): Promise<void> {
    await this.request(req, 0, 0);
  }
}
