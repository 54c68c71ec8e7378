import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { DnsProviderConfig } from '../../shared/config.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { Logger } from '../support/logger.ts';
import type { DnsError, DnsProvider } from './dns-provider.ts';
import { buildUpdate, isTruncated, parseUpdateReply, signTsig, type TsigKey, type UpdateOp, type UpdateReply } from './dns-update-message.ts';

type Rfc2136Config = Extract<DnsProviderConfig, { kind: 'rfc2136' }>;

const TIMEOUT_MS = 3000;
const TTL = 60;

/**
 * RFC 2136 dynamic updates signed with TSIG, spoken directly (UDP, TCP when the reply is
 * truncated or UDP gets no answer), so it works on every OS without `nsupdate`.
 */
export class Rfc2136 implements DnsProvider {
  readonly kind = 'rfc2136' as const;
  private readonly cfg: Rfc2136Config;
  private readonly key: TsigKey;
  private readonly logger: Logger;
  /** Seconds since the epoch for the TSIG time (injectable to check BADTIME handling). */
  private readonly nowSeconds: () => number;
  private readonly transport: 'udp' | 'tcp';

  constructor(cfg: Rfc2136Config, logger: Logger, opts: { nowSeconds?: () => number; transport?: 'udp' | 'tcp' } = {}) {
    this.cfg = cfg;
    this.key = { name: cfg.keyName, algorithm: cfg.keyAlgorithm, secret: Buffer.from(cfg.keySecret, 'base64') };
    this.logger = logger.child('rfc2136');
    this.logger.addSecret(cfg.keySecret);
    this.nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    // UDP first (what every server takes); TCP when asked, when UDP gets no answer, or when the reply is truncated.
    this.transport = opts.transport ?? 'udp';
  }

  addTxt(name: string, value: string) {
    return this.update([{ op: 'add', name, type: 'TXT', ttl: TTL, value }]);
  }

  removeTxt(name: string, value: string) {
    return this.update([{ op: 'delete-value', name, type: 'TXT', value }]);
  }

  setAddresses(name: string, type: 'A' | 'AAAA', values: string[]) {
    return this.update([{ op: 'delete-rrset', name, type }, ...values.map((value) => ({ op: 'add' as const, name, type, ttl: TTL, value }))]);
  }

  private outsideZone(name: string): boolean {
    const n = name.toLowerCase().replace(/\.$/, ''), z = this.cfg.zone.toLowerCase().replace(/\.$/, '');
    return n !== z && !n.endsWith(`.${z}`);
  }

  async update(ops: UpdateOp[]): Promise<Result<void, DnsError>> {
    const bad = ops.find((o) => this.outsideZone(o.name));
    if (bad) return err({ code: 'dns-not-in-zone', retryable: false, message: `${bad.name} is not inside the zone ${this.cfg.zone} that dns.provider.zone names`, fix: 'set dns.provider.zone to the zone that holds your domain' });
    let signed: { message: Buffer; mac: Buffer };
    try {
      signed = signTsig(buildUpdate(randomInt(0, 65536), this.cfg.zone, ops), this.key, this.nowSeconds());
    } catch (e) {
      return err({ code: 'dns-bad-record', retryable: false, message: `cannot build the DNS update: ${(e as Error).message}`, fix: 'check the record name and value' });
    }
    const where = `${this.cfg.server}:${this.cfg.port}`;
    let reply: Buffer;
    try {
      reply = this.transport === 'tcp' ? await this.sendTcp(signed.message) : await this.sendUdp(signed.message).catch(() => this.sendTcp(signed.message));
      if (isTruncated(reply)) reply = await this.sendTcp(signed.message);
    } catch (e) {
      return err({ code: 'dns-unreachable', retryable: true, message: `the DNS server ${where} did not answer the update (${(e as Error).message})`, fix: 'check dns.provider.server and port, and that the server accepts updates from this machine' });
    }
    let r: UpdateReply;
    try {
      r = parseUpdateReply(reply, this.key, signed.mac);
    } catch (e) {
      return err({ code: 'dns-bad-reply', retryable: true, message: `the DNS server ${where} sent a reply that is not DNS (${(e as Error).message})`, fix: 'check that dns.provider.server/port is a DNS server' });
    }
    if (r.rcode === 0 && r.tsig === 'valid') {
      this.logger.debug('DNS update applied', { server: where, changes: ops.length });
      return ok(undefined);
    }
    return err(explain(r, where, this.cfg.keyName));
  }

  private sendUdp(msg: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const sock = createSocket(isIP(this.cfg.server) === 6 ? 'udp6' : 'udp4');
      const id = msg.readUInt16BE(0);
      const timer = setTimeout(() => { sock.close(); reject(new Error(`no UDP answer within ${TIMEOUT_MS} ms`)); }, TIMEOUT_MS);
      sock.on('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
      sock.on('message', (m) => {
        if (m.length < 2 || m.readUInt16BE(0) !== id) return; // not ours: keep waiting
        clearTimeout(timer);
        sock.close();
        resolve(m);
      });
      // A connected socket learns of ICMP port-unreachable at once (ECONNREFUSED) instead of timing out.
      sock.connect(this.cfg.port, this.cfg.server, () => sock.send(msg));
    });
  }

  private sendTcp(msg: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.cfg.server, port: this.cfg.port });
      let buf = Buffer.alloc(0);
      s.setTimeout(TIMEOUT_MS, () => s.destroy(new Error(`no TCP answer within ${TIMEOUT_MS} ms`)));
      s.on('error', reject);
      s.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(msg.length, 0);
        s.write(Buffer.concat([len, msg]));
      });
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          s.end();
          resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        }
      });
      s.on('close', () => reject(new Error('connection closed before a full answer')));
    });
  }
}

function explain(r: UpdateReply, where: string, keyName: string): DnsError {
  if (r.tsigError === 18) {
    return { code: 'dns-tsig-badtime', retryable: false, message: `the DNS server ${where} rejected the update: this computer's clock differs from the server's by more than 5 minutes (BADTIME)`, fix: 'set the system clock correctly (enable automatic time)' };
  }
  if (r.tsig !== 'valid' || r.rcode === 9) {
    return { code: 'dns-tsig-rejected', retryable: false, message: `the DNS server ${where} rejected the TSIG key "${keyName}" (${r.rcodeName}${r.tsigError ? `, TSIG error ${r.tsigError}` : ''}, signature ${r.tsig})`, fix: 'check dns.provider.keyName, keyAlgorithm and keySecret against the key in the server config' };
  }
  if (r.rcode === 5) {
    return { code: 'dns-update-refused', retryable: false, message: `the DNS server ${where} refused the update (REFUSED): the key "${keyName}" may not change this name or record type`, fix: 'allow the key to update TXT (and A/AAAA for dynamic DNS) records in the zone (BIND: update-policy { grant KEY zonesub TXT A AAAA; })' };
  }
  if (r.rcode === 10) {
    return { code: 'dns-not-in-zone', retryable: false, message: `the DNS server ${where} is not authoritative for the zone (NOTZONE)`, fix: 'set dns.provider.zone to a zone this server is primary for' };
  }
  return { code: 'dns-update-failed', retryable: r.rcode === 2, message: `the DNS server ${where} did not apply the update (${r.rcodeName})`, fix: 'check the DNS server log' };
}
