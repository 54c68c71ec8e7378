/**
 * A strict HTTP/1.1 request-head reader for the reverse proxy. It only has to find where a head
 * ends, how its body is framed, and which headers to replace, so it stays small; what it cannot
 * read unambiguously it rejects (RFC 9112 sections 2.2, 5.2, 6.3 "reject, don't guess"), because
 * a proxy and its upstream disagreeing about framing is how requests get smuggled.
 */
export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

export interface RequestHead {
  kind: 'head';
  /** Bytes the head took in the input, including the final empty line. */
  size: number;
  method: string;
  target: string;
  version: '1.0' | '1.1';
  /** Header fields in order, names as sent. */
  headers: [string, string][];
  host: string | undefined;
  body: BodyFraming;
  /** An `Upgrade` request (websocket): after a 101 the connection becomes a tunnel. */
  upgrade: boolean;
  /** Lower-cased options of `Connection` (e.g. `close`, `upgrade`, and hop-by-hop field names). */
  connection: string[];
  /** The client wants the connection closed after this response (`Connection: close`, or HTTP/1.0). */
  close: boolean;
}

export type RequestHeadResult =
  | RequestHead
  | { kind: 'need-more' }
  | { kind: 'invalid'; status: 400 | 405 | 431 | 501; reason: string };

export const MAX_HEAD_BYTES = 32 * 1024;
const MAX_HEADERS = 100;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request target: visible ASCII, at least one byte (RFC 9112 3.2). */
const TARGET = /^[\x21-\x7e]+$/;
/** Field value after trimming: visible ASCII, obs-text, SP and HTAB; no CR, LF, NUL or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^\d{1,15}$/;
/** Methods are case-sensitive (RFC 9110 9.1) and every registered one is upper case; Plex uses GET/POST/PUT/DELETE/HEAD/OPTIONS/PATCH. */
const METHOD = /^[A-Z]+(?:-[A-Z]+)*$/;
const SP = 0x20;
const HTAB = 0x09;
/**
 * Where each line of the head being read ends (its CR), reused: the parser runs to completion
 * before anything else can call it, and the door's hottest path allocates nothing it can avoid
 * (an array emptied by `length = 0` would allocate its storage again).
 */
const lineEnds = new Int32Array(MAX_HEADERS + 2);

const bad = (reason: string, status: 400 | 405 | 431 | 501 = 400): RequestHeadResult => ({ kind: 'invalid', status, reason });

export function parseRequestHead(buf: Uint8Array, maxBytes = MAX_HEAD_BYTES): RequestHeadResult {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line.
  let start = 0;
  if (b.length >= 2 && b[0] === 0x0d && b[1] === 0x0a) start = 2;
  // First where the head ends: an incomplete head is not read at all.
  let lines = 0;
  let p = start;
  for (;;) {
    const lineStart = p;
    const nl = b.indexOf(0x0a, p);
    if (nl < 0) {
      if (b.length - start > maxBytes) return bad('request head too large', 431);
      return { kind: 'need-more' };
    }
    if (nl - start + 1 > maxBytes) return bad('request head too large', 431);
    if (nl === p || b[nl - 1] !== 0x0d) return bad('bare LF line ending');
    p = nl + 1;
    if (nl - 1 === lineStart) break; // the empty line
    if (lines > MAX_HEADERS) return bad('too many header fields', 431);
    lineEnds[lines++] = nl - 1;
  }
  if (lines === 0) return bad('empty request');

  // The request line: method SP target SP HTTP/1.x, nothing else (RFC 9112 3).
  const line = b.toString('latin1', start, lineEnds[0]);
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || line.length !== sp2 + 9 || !line.startsWith('HTTP/1.', sp2 + 1)) return bad('malformed request line');
  const minor = line.charCodeAt(sp2 + 8);
  if (minor !== 0x30 && minor !== 0x31) return bad('malformed request line');
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  if (!TOKEN.test(method) || !TARGET.test(target)) return bad('malformed request line');
  const version = minor === 0x31 ? '1.1' : '1.0';
  if (!METHOD.test(method)) return bad(`unknown method "${method}" (methods are case-sensitive: use upper case)`, 501);
  if (method === 'CONNECT') return bad('CONNECT is not served here; this is a reverse proxy', 405);
  // TRACE echoes the request back, headers included: a way to read cookies or tokens from a page.
  if (method === 'TRACE') return bad('TRACE is not served here', 405);

  const headers: [string, string][] = [];
  let host: string | undefined;
  let hostCount = 0;
  let contentLength: string | undefined;
  let te: string[] | null = null;
  let upgradeField = false;
  const connection: string[] = [];
  for (let i = 1; i < lines; i++) {
    const from = lineEnds[i - 1] + 2;
    const to = lineEnds[i];
    const c0 = b[from];
    if (c0 === SP || c0 === HTAB) return bad('obsolete line folding');
    const colon = b.indexOf(0x3a, from);
    if (colon <= from || colon >= to) return bad('header line without a name');
    const name = b.toString('latin1', from, colon);
    if (!TOKEN.test(name)) return bad('invalid header name');
    let vs = colon + 1;
    let ve = to;
    while (vs < ve && (b[vs] === SP || b[vs] === HTAB)) vs++;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    const value = b.toString('latin1', vs, ve);
    if (!FIELD_VALUE.test(value)) return bad('invalid character in a header value');
    headers.push([name, value]);
    // Only these names matter here; the length says which it could be before any lower-casing.
    const n = name.length;
    if (n !== 4 && n !== 7 && n !== 10 && n !== 14 && n !== 17) continue;
    switch (name.toLowerCase()) {
      case 'host':
        hostCount++;
        host = value;
        break;
      case 'content-length':
        if (!DIGITS.test(value)) return bad('invalid Content-Length');
        // Even identical duplicates: no client we serve sends two, and one framing rule leaves nothing to disagree on.
        if (contentLength !== undefined) return bad('more than one Content-Length field');
        contentLength = value;
        break;
      case 'transfer-encoding':
        (te ??= []).push(value);
        break;
      case 'upgrade':
        upgradeField = true;
        break;
      case 'connection':
        for (const t of value.toLowerCase().split(',')) {
          const o = t.trim();
          if (o === '') continue;
          if (!TOKEN.test(o)) return bad('invalid Connection option');
          connection.push(o);
        }
        break;
    }
  }
  if (hostCount > 1) return bad('more than one Host field');
  if (version === '1.1' && hostCount === 0) return bad('HTTP/1.1 request without Host');
  if (host !== undefined && !/^[A-Za-z0-9.\-_[\]:]*$/.test(host)) return bad('invalid Host');

  let body: BodyFraming = { kind: 'none' };
  if (te) {
    if (version === '1.0') return bad('Transfer-Encoding in an HTTP/1.0 request');
    if (contentLength !== undefined) return bad('both Content-Length and Transfer-Encoding');
    if (te.join(',').toLowerCase().replace(/[ \t]/g, '') !== 'chunked') return bad('unsupported Transfer-Encoding (only "chunked")', 501);
    body = { kind: 'chunked' };
  } else if (contentLength !== undefined && contentLength !== '0') {
    body = { kind: 'length', length: Number(contentLength) };
  }
  // RFC 9110 7.8: an Upgrade field in an HTTP/1.0 request is ignored (and dropped as hop-by-hop).
  const upgrade = version === '1.1' && upgradeField && connection.includes('upgrade');
  // The body of an upgrade request would sit in front of the tunnel's first bytes, or, when the
  // upstream refuses the upgrade, be read as the next request: refuse rather than frame it.
  if (upgrade && body.kind !== 'none') return bad('an Upgrade request must not carry a body');
  const close = version === '1.0' || connection.includes('close');
  return { kind: 'head', size: p, method, target, version, headers, host, body, upgrade, connection, close };
}
