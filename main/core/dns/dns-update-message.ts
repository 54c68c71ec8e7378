/**
 * DNS UPDATE messages (RFC 2136) signed with TSIG (RFC 8945), as pure functions of bytes, so
 * RFC 2136 works on Windows and macOS where no `nsupdate` exists.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TsigAlgorithm } from '../../shared/config.ts';

export interface TsigKey { name: string; algorithm: TsigAlgorithm; secret: Buffer }

/** One change in the update section. */
export type UpdateOp =
  | { op: 'add'; name: string; type: 'TXT' | 'A' | 'AAAA'; ttl: number; value: string }
  | { op: 'delete-value'; name: string; type: 'TXT' | 'A' | 'AAAA'; value: string }
  | { op: 'delete-rrset'; name: string; type: 'TXT' | 'A' | 'AAAA' };

const TYPE = { A: 1, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250 } as const;
const CLASS_IN = 1, CLASS_NONE = 254, CLASS_ANY = 255;
const OPCODE_UPDATE = 5;

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN',
  7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME',
};

/** Wire form of a name, lower-cased (canonical form, which TSIG needs for key and algorithm names). */
function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').toLowerCase().split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    if (b.length > 63) throw new Error(`DNS label "${l}" is longer than 63 bytes`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function rdata(type: 'TXT' | 'A' | 'AAAA', value: string): Buffer {
  if (type === 'A') {
    const p = value.split('.').map(Number);
    if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`"${value}" is not an IPv4 address`);
    return Buffer.from(p);
  }
  if (type === 'AAAA') return ipv6Bytes(value);
  // TXT: one or more character-strings of at most 255 bytes each.
  const raw = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i === 0 || i < raw.length; i += 255) {
    const chunk = raw.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

function ipv6Bytes(s: string): Buffer {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) throw new Error(`"${s}" is not an IPv6 address`);
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

function rr(name: string, type: number, cls: number, ttl: number, data: Buffer): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(cls, 2);
  head.writeUInt32BE(ttl, 4);
  head.writeUInt16BE(data.length, 8);
  return Buffer.concat([encodeName(name), head, data]);
}

/** An unsigned UPDATE message for `zone` (RFC 2136 section 2). */
export function buildUpdate(id: number, zone: string, ops: UpdateOp[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(OPCODE_UPDATE << 11, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(0, 6); // PRCOUNT
  header.writeUInt16BE(ops.length, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT
  const zoneSection = Buffer.concat([encodeName(zone), Buffer.from([0, TYPE.SOA, 0, CLASS_IN])]);
  const updates = ops.map((o) => {
    switch (o.op) {
      case 'add': return rr(o.name, TYPE[o.type], CLASS_IN, o.ttl, rdata(o.type, o.value));
      case 'delete-value': return rr(o.name, TYPE[o.type], CLASS_NONE, 0, rdata(o.type, o.value));
      case 'delete-rrset': return rr(o.name, TYPE[o.type], CLASS_ANY, 0, Buffer.alloc(0));
    }
  });
  return Buffer.concat([header, zoneSection, ...updates]);
}

const HASH: Record<TsigAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512', 'hmac-sha1': 'sha1' };

function tsigVariables(key: TsigKey, timeSigned: number, fudge: number, error: number, other: Buffer): Buffer {
  const a = Buffer.alloc(6);
  a.writeUInt16BE(CLASS_ANY, 0);
  a.writeUInt32BE(0, 2);
  const b = Buffer.alloc(10);
  b.writeUIntBE(timeSigned, 0, 6);
  b.writeUInt16BE(fudge, 6);
  b.writeUInt16BE(error, 8);
  const ol = Buffer.alloc(2);
  ol.writeUInt16BE(other.length, 0);
  return Buffer.concat([encodeName(key.name), a, encodeName(key.algorithm), b, ol, other]);
}

/** Append a TSIG record (RFC 8945 section 4) and return the signed message and its MAC (needed to check the reply). */
export function signTsig(msg: Buffer, key: TsigKey, nowSeconds: number, fudge = 300): { message: Buffer; mac: Buffer } {
  const mac = createHmac(HASH[key.algorithm], key.secret).update(msg).update(tsigVariables(key, nowSeconds, fudge, 0, Buffer.alloc(0))).digest();
  const id = msg.readUInt16BE(0);
  const fixed = Buffer.alloc(10);
  fixed.writeUIntBE(nowSeconds, 0, 6);
  fixed.writeUInt16BE(fudge, 6);
  fixed.writeUInt16BE(mac.length, 8);
  const tail = Buffer.alloc(6);
  tail.writeUInt16BE(id, 0); // original ID
  tail.writeUInt16BE(0, 2); // error
  tail.writeUInt16BE(0, 4); // other len
  const data = Buffer.concat([encodeName(key.algorithm), fixed, mac, tail]);
  const out = Buffer.concat([msg, rr(key.name, TYPE.TSIG, CLASS_ANY, 0, data)]);
  out.writeUInt16BE(msg.readUInt16BE(10) + 1, 10);
  return { message: out, mac };
}

export interface UpdateReply { id: number; rcode: number; rcodeName: string; tsig: 'valid' | 'missing' | 'bad'; tsigError: number }

function skipName(b: Buffer, off: number): number {
  for (;;) {
    const len = b[off];
    if (len === undefined) throw new Error('truncated name');
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += 1 + len;
    if (len === 0) return off;
  }
}

/** Parse a reply to an UPDATE and check its TSIG against the request's MAC (RFC 8945 section 5.3). */
export function parseUpdateReply(b: Buffer, key: TsigKey, requestMac: Buffer): UpdateReply {
  if (b.length < 12) throw new Error('reply shorter than a DNS header');
  const id = b.readUInt16BE(0);
  const flags = b.readUInt16BE(2);
  const counts = [b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt16BE(8), b.readUInt16BE(10)];
  let off = 12;
  for (let i = 0; i < counts[0]!; i++) off = skipName(b, off) + 4;
  for (let i = 0; i < counts[1]! + counts[2]! + counts[3]!; i++) {
    const start = off;
    off = skipName(b, off);
    const type = b.readUInt16BE(off);
    const rdlen = b.readUInt16BE(off + 8);
    const rdStart = off + 10;
    off = rdStart + rdlen;
    if (type !== TYPE.TSIG || i !== counts[1]! + counts[2]! + counts[3]! - 1) continue;
    // The TSIG record is the last one; the MAC covers the message without it (ARCOUNT - 1).
    let p = skipName(b, rdStart);
    const timeSigned = b.readUIntBE(p, 6);
    const fudge = b.readUInt16BE(p + 6);
    const macLen = b.readUInt16BE(p + 8);
    const mac = b.subarray(p + 10, p + 10 + macLen);
    p += 10 + macLen + 2;
    const error = b.readUInt16BE(p);
    const otherLen = b.readUInt16BE(p + 2);
    const other = b.subarray(p + 4, p + 4 + otherLen);
    const rcode = flags & 0x0f;
    if (macLen === 0) return { id, rcode, rcodeName: RCODE_NAMES[rcode] ?? String(rcode), tsig: 'bad', tsigError: error };
    const unsigned = Buffer.from(b.subarray(0, start));
    unsigned.writeUInt16BE(counts[3]! - 1, 10);
    const ml = Buffer.alloc(2);
    ml.writeUInt16BE(requestMac.length, 0);
    const want = createHmac(HASH[key.algorithm], key.secret).update(ml).update(requestMac).update(unsigned)
      .update(tsigVariables(key, timeSigned, fudge, error, other)).digest();
    const valid = want.length === mac.length && timingSafeEqual(want, mac);
    return { id, rcode, rcodeName: RCODE_NAMES[rcode] ?? String(rcode), tsig: valid ? 'valid' : 'bad', tsigError: error };
  }
  const rcode = flags & 0x0f;
  return { id, rcode, rcodeName: RCODE_NAMES[rcode] ?? String(rcode), tsig: 'missing', tsigError: 0 };
}

/** TC bit: the UDP reply was cut short; ask again over TCP. */
export function isTruncated(b: Buffer): boolean {
  return b.length >= 4 && (b.readUInt16BE(2) & 0x0200) !== 0;
}
