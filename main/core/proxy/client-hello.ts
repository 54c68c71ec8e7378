/**
 * A pure TLS ClientHello reader: given the first bytes a client sent, say which name (SNI) and
 * which application protocols (ALPN) it asks for, without decrypting anything. Three outcomes,
 * like mitmproxy's: a hello, "need more bytes", or invalid. The hello may be split across TLS
 * records and TCP segments; the total is bounded so a client cannot make us buffer without end.
 */
export type ClientHelloResult =
  | { kind: 'hello'; sni?: string; alpn: string[] }
  | { kind: 'need-more' }
  | { kind: 'invalid'; reason: string };

/** The most bytes we buffer before giving up (a post-quantum hello is ~2 KB; 16 KB is generous). */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024 + 5 * 4;

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;
const MAX_RECORD = 16384 + 2048;

const NEED_MORE: ClientHelloResult = { kind: 'need-more' };
const invalid = (reason: string): ClientHelloResult => ({ kind: 'invalid', reason });

/** A host name as it may appear in SNI: letters, digits, '-', '_', '.'; no trailing dot. */
const SNI_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

export function parseClientHello(buf: Uint8Array): ClientHelloResult {
  if (buf.length === 0) return NEED_MORE;
  if (buf[0] !== RECORD_HANDSHAKE) return invalid('not a TLS handshake record');

  // Reassemble the handshake payload from as many records as it takes.
  const parts: Uint8Array[] = [];
  let have = 0;
  let need = -1; // total handshake message length incl. its 4-byte header, once known
  let off = 0;
  while (need < 0 || have < need) {
    if (off + 5 > buf.length) return buf.length >= MAX_CLIENT_HELLO_BYTES ? invalid('ClientHello too large') : NEED_MORE;
    if (buf[off] !== RECORD_HANDSHAKE) return invalid('ClientHello interleaved with a non-handshake record');
    if (buf[off + 1] !== 3) return invalid('unknown record version');
    const len = (buf[off + 3]! << 8) | buf[off + 4]!;
    if (len === 0 || len > MAX_RECORD) return invalid('bad record length');
    const end = off + 5 + len;
    const avail = Math.min(end, buf.length);
    parts.push(buf.subarray(off + 5, avail));
    have += avail - off - 5;
    if (need < 0 && have >= 4) {
      const hs = concat(parts, 4);
      if (hs[0] !== HANDSHAKE_CLIENT_HELLO) return invalid('first handshake message is not a ClientHello');
      need = 4 + ((hs[1]! << 16) | (hs[2]! << 8) | hs[3]!);
      if (need > MAX_CLIENT_HELLO_BYTES) return invalid('ClientHello too large');
    }
    if (end > buf.length) {
      if (need >= 0 && have >= need) break;
      return buf.length >= MAX_CLIENT_HELLO_BYTES ? invalid('ClientHello too large') : NEED_MORE;
    }
    off = end;
  }
  return parseBody(concat(parts, need).subarray(4));
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length >= n) return parts[0]!.subarray(0, n);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    if (o >= n) break;
    const take = Math.min(p.length, n - o);
    out.set(p.subarray(0, take), o);
    o += take;
  }
  return out;
}

/** ClientHello body (RFC 8446 4.1.2). Every length is checked against what remains. */
function parseBody(b: Uint8Array): ClientHelloResult {
  let p = 0;
  const u8 = () => b[p++]!;
  const u16 = () => { const v = (b[p]! << 8) | b[p + 1]!; p += 2; return v; };
  const left = () => b.length - p;

  if (left() < 2 + 32 + 1) return invalid('ClientHello truncated');
  if (b[0] !== 3) return invalid('unknown ClientHello version');
  p = 34;
  const sid = u8();
  if (sid > 32 || left() < sid + 2) return invalid('bad session id');
  p += sid;
  const cs = u16();
  if (cs < 2 || cs % 2 !== 0 || left() < cs + 1) return invalid('bad cipher suite list');
  p += cs;
  const comp = u8();
  if (comp < 1 || left() < comp) return invalid('bad compression list');
  p += comp;
  if (left() === 0) return { kind: 'hello', alpn: [] }; // no extensions at all (old clients)
  if (left() < 2) return invalid('bad extensions length');
  const extLen = u16();
  if (extLen !== left()) return invalid('extensions length does not match the message');

  let sni: string | undefined;
  let alpn: string[] = [];
  const seen = new Set<number>();
  while (left() > 0) {
    if (left() < 4) return invalid('truncated extension header');
    const type = u16();
    const len = u16();
    if (len > left()) return invalid('extension longer than the message');
    if (seen.has(type)) return invalid('duplicate extension');
    seen.add(type);
    const ext = b.subarray(p, p + len);
    p += len;
    if (type === EXT_SERVER_NAME) {
      const r = parseSni(ext);
      if (typeof r !== 'string' && r !== undefined) return r;
      sni = r;
    } else if (type === EXT_ALPN) {
      const r = parseAlpn(ext);
      if (!Array.isArray(r)) return r;
      alpn = r;
    }
  }
  return sni === undefined ? { kind: 'hello', alpn } : { kind: 'hello', sni, alpn };
}

function parseSni(e: Uint8Array): string | undefined | ClientHelloResult {
  if (e.length === 0) return undefined; // allowed in a ServerHello; tolerate an empty one here
  if (e.length < 2 || ((e[0]! << 8) | e[1]!) !== e.length - 2) return invalid('bad server_name list length');
  let p = 2;
  let name: string | undefined;
  while (p < e.length) {
    if (e.length - p < 3) return invalid('truncated server_name entry');
    const t = e[p]!;
    const n = (e[p + 1]! << 8) | e[p + 2]!;
    p += 3;
    if (n > e.length - p) return invalid('server_name entry too long');
    if (t === 0) {
      if (name !== undefined) return invalid('two host names in server_name');
      if (n === 0 || n > 253) return invalid('bad host name length');
      let s = '';
      for (let i = p; i < p + n; i++) {
        const c = e[i]!;
        if (c < 0x21 || c > 0x7e) return invalid('host name is not printable ASCII');
        s += String.fromCharCode(c);
      }
      s = s.toLowerCase();
      if (!SNI_NAME.test(s)) return invalid('host name has characters a DNS name cannot have');
      name = s;
    }
    p += n;
  }
  return name;
}

function parseAlpn(e: Uint8Array): string[] | ClientHelloResult {
  if (e.length < 2 || ((e[0]! << 8) | e[1]!) !== e.length - 2) return invalid('bad ALPN list length');
  const out: string[] = [];
  let p = 2;
  while (p < e.length) {
    const n = e[p++]!;
    if (n === 0 || n > e.length - p) return invalid('bad ALPN protocol length');
    let s = '';
    for (let i = p; i < p + n; i++) s += String.fromCharCode(e[i]!);
    out.push(s);
    p += n;
  }
  if (out.length === 0) return invalid('empty ALPN list');
  return out;
}
