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
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
/** Field value after trimming: visible ASCII, obs-text, SP and HTAB; no CR, LF, NUL or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^\d{1,15}$/;
/** Methods are case-sensitive (RFC 9110 9.1) and every registered one is upper case; Plex uses GET/POST/PUT/DELETE/HEAD/OPTIONS/PATCH. */
const METHOD = /^[A-Z]+(?:-[A-Z]+)*$/;

const bad = (reason: string, status: 400 | 405 | 431 | 501 = 400): RequestHeadResult => ({ kind: 'invalid', status, reason });

export function parseRequestHead(buf: Uint8Array, maxBytes = MAX_HEAD_BYTES): RequestHeadResult {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line.
  let start = 0;
  if (b.length >= 2 && b[0] === 0x0d && b[1] === 0x0a) start = 2;
  const lines: string[] = [];
  let p = start;
  for (;;) {
    const nl = b.indexOf(0x0a, p);
    if (nl < 0) {
      if (b.length - start > maxBytes) return bad('request head too large', 431);
      return { kind: 'need-more' };
    }
    if (nl - start + 1 > maxBytes) return bad('request head too large', 431);
    if (nl === p || b[nl - 1] !== 0x0d) return bad('bare LF line ending');
    const line = b.toString('latin1', p, nl - 1);
    p = nl + 1;
    if (line === '') break;
    if (lines.length > MAX_HEADERS) return bad('too many header fields', 431);
    lines.push(line);
  }
  if (lines.length === 0) return bad('empty request');

  const m = REQUEST_LINE.exec(lines[0]!);
  if (!m) return bad('malformed request line');
  const method = m[1]!;
  const target = m[2]!;
  const version = m[3] === '1' ? '1.1' : '1.0';
  if (!METHOD.test(method)) return bad(`unknown method "${method}" (methods are case-sensitive: use upper case)`, 501);
  if (method === 'CONNECT') return bad('CONNECT is not served here; this is a reverse proxy', 405);
  // TRACE echoes the request back, headers included: a way to read cookies or tokens from a page.
  if (method === 'TRACE') return bad('TRACE is not served here', 405);

  const headers: [string, string][] = [];
  let host: string | undefined;
  let hostCount = 0;
  let contentLength: string | undefined;
  const te: string[] = [];
  let upgradeField = false;
  const connection: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) return bad('obsolete line folding');
    const colon = line.indexOf(':');
    if (colon <= 0) return bad('header line without a name');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return bad('invalid header name');
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) return bad('invalid character in a header value');
    headers.push([name, value]);
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
        te.push(value);
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
  if (te.length > 0) {
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
