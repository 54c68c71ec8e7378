import { ChunkedBody } from './chunked-body.ts';

export const HSTS_HEADER = 'Strict-Transport-Security: max-age=31536000';
const MAX_RESPONSE_HEAD = 64 * 1024;
const CR = 0x0d;
const LF = 0x0a;
/** readHead: the head is not complete yet, or longer than any head the door follows. */
const NEED_MORE = -1;
const TOO_LARGE = -2;
const COLON = 0x3a;
const COMMA = 0x2c;
const SP = 0x20;
const HTAB = 0x09;
const HTTP_1 = Buffer.from('HTTP/1.');
const CLOSE = Buffer.from('close');
const KEEP_ALIVE = Buffer.from('keep-alive');
/** The response header fields the framing reads, lower case (every other field is skipped unread). */
const CONNECTION = Buffer.from('connection');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const CONTENT_LENGTH = Buffer.from('content-length');
const STRICT_TRANSPORT_SECURITY = Buffer.from('strict-transport-security');
const KEEP_ALIVE_FIELD = Buffer.from('keep-alive');
const PROXY_CONNECTION = Buffer.from('proxy-connection');
/** The upstream's hop-by-hop fields, never passed to the client (RFC 9110 7.6.1). */
const HOP_BY_HOP_FIELDS = [CONNECTION, KEEP_ALIVE_FIELD, PROXY_CONNECTION].map((f) => f.toString('latin1'));
const CONNECTION_CLOSE_LINE = Buffer.from('Connection: close\r\n', 'latin1');
const HSTS_LINE = Buffer.from(`${HSTS_HEADER}\r\n`, 'latin1');
const CRLF = Buffer.from('\r\n');
const NOTHING = Buffer.alloc(0);

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  /** `dechunk`: the client speaks HTTP/1.0, which has no chunked coding; it gets the chunks' data only. */
  | { kind: 'chunked'; body: ChunkedBody; dechunk: boolean }
  /** Body to the end of the connection, a 101 tunnel, or a response it could not follow. */
  | { kind: 'raw' };

const HEAD: State = { kind: 'head' };
const RAW: State = { kind: 'raw' };

/**
 * Follows the framing of the responses on one upstream connection (RFC 9112 6.3), to know when
 * each response is complete: that is when the connection may go back to the pool and when the
 * client may send its next request on an idle timer. The upstream is ours (configured), so it is
 * read leniently: what it cannot follow becomes a raw pass-through on a connection that is never
 * reused.
 *
 * It also makes each final response head right for the client's hop (RFC 9110 7.6.1): the
 * upstream's hop-by-hop fields (`Connection`, `Keep-Alive`, `Proxy-Connection` and fields named in
 * `Connection`) describe the door's connection to the upstream, not the client's, so they are
 * dropped, and `Connection: close` is added when the door closes the client after this response.
 * With `hsts` it adds Strict-Transport-Security. A 101's head passes unchanged (the client needs
 * its `Connection: Upgrade`).
 *
 * An HTTP/1.0 client's requests go upstream as HTTP/1.1 (RFC 9110 2.5), so the upstream connection
 * stays reusable; the client must then get no 1.1-only framing (RFC 9112 6.1, RFC 9110 15.2):
 * interim 1xx responses are dropped, and a chunked body is de-chunked (its `Transfer-Encoding`
 * line and trailers dropped; the client is closed after it, which ends the body).
 *
 * It runs once per response on the door's hottest path, so a head is read in place, byte by
 * byte, and `feed` hands back the bytes it was given (no copy) unless it has to change them.
 */
export class ResponseFraming {
  private readonly hsts: boolean;
  /** The requests sent whose final response has not started yet, in order (no array work per request). */
  private readonly waiting = new RequestQueue();
  private state: State = HEAD;
  /** Chunk data spans of one de-chunked read (reused). */
  private readonly spans: number[] = [];
  /** The head just read, as the client gets it; null when unchanged (set by readHead). */
  private rewritten: Buffer | null = null;
  /** Or: the head was rewritten in place, and now starts here in the bytes read (set by readHead). */
  private movedTo = -1;
  /** Spans [start, end) of the lines to drop from the head being read (reused, no allocation per head). */
  private readonly drop = new Spans();
  /** What `feed` hands back, built without allocating when nothing changes (reused). */
  private readonly out = new Output();
  /** A response head cut across reads, held until its end arrives. */
  private head: Buffer | null = null;
  /** False once the connection must not carry another request (close, HTTP/1.0, raw, 101, junk). */
  reusable = true;
  /** A response said `Connection: close` (or was HTTP/1.0 without keep-alive): the client goes too. */
  closeAfter = false;
  /** The upstream answered 101: the connection is a tunnel from here on. */
  upgraded = false;

  constructor(hsts: boolean) {
    this.hsts = hsts;
  }

  /**
   * A request was sent; its response will come in order. `clientCloses`: the door closes the client
   * after it. `clientHttp10`: the client sent it as HTTP/1.0.
   */
  onRequest(method: string, clientCloses: boolean, clientHttp10 = false): void {
    this.waiting.push(method, clientCloses, clientHttp10);
  }

  /** Requests sent whose response is not complete yet. */
  get pending(): number {
    return this.waiting.length + (this.state.kind === 'head' ? 0 : 1);
  }

  /** The upstream closed: a body that runs to the end of the connection is complete now. */
  onEnd(): void {
    if (this.state.kind === 'raw' && !this.upgraded) this.state = HEAD;
  }

  /**
   * Bytes from the upstream in, bytes for the client out: `c` itself when nothing in it changes,
   * a part of `c` when only hop-by-hop lines were dropped (in place: `c` is the door's own read
   * buffer), else new bytes (a head held from an earlier read, HSTS or `Connection: close` added,
   * bytes nobody asked for dropped). May be empty.
   */
  feed(c: Buffer): Buffer {
    const out = this.out;
    out.reset(c);
    let off = 0;
    while (off < c.length) {
      const st = this.state;
      if (st.kind === 'raw') break;
      if (st.kind === 'length') {
        const n = Math.min(st.remaining, c.length - off);
        off += n;
        st.remaining -= n;
        if (st.remaining === 0) this.state = HEAD;
        continue;
      }
      if (st.kind === 'chunked') {
        const spans = st.dechunk ? this.spans : null;
        const r = st.body.feed(c, off, spans);
        if (r.kind === 'invalid') { this.toRaw(); break; }
        if (spans) {
          // Only the chunks' data goes on: every byte of framing around it is skipped.
          let at = off;
          for (let i = 0; i < spans.length; i += 2) { out.replace(at, null, spans[i]!); at = spans[i + 1]!; }
          out.replace(at, null, off + r.used);
          spans.length = 0;
        }
        off += r.used;
        if (r.kind === 'done') this.state = HEAD;
        continue;
      }
      if (this.waiting.length === 0) {
        // Bytes nobody asked for: the upstream is out of step; drop them and this connection.
        this.reusable = false;
        this.closeAfter = true;
        out.replace(off, null, c.length);
        break;
      }
      const held = this.head;
      if (held) {
        // The head started in an earlier read: complete it from this one (rare; a copy is fine).
        const joined = Buffer.concat([held, c.subarray(off)]);
        const headEnd = this.readHead(joined, 0);
        if (headEnd === NEED_MORE) {
          this.head = joined;
          out.replace(off, null, c.length);
          break;
        }
        this.head = null;
        if (headEnd === TOO_LARGE) { this.toRaw(); out.replace(off, held, off); break; }
        const used = headEnd - held.length;
        out.replace(off, this.rewritten ?? joined.subarray(Math.max(0, this.movedTo), headEnd), off + used);
        off += used;
        continue;
      }
      const headEnd = this.readHead(c, off);
      if (headEnd === NEED_MORE) {
        this.head = Buffer.from(c.subarray(off));
        out.replace(off, null, c.length);
        break;
      }
      if (headEnd === TOO_LARGE) { this.toRaw(); break; }
      if (this.rewritten) out.replace(off, this.rewritten, headEnd);
      else if (this.movedTo > off) out.replace(off, null, this.movedTo); // lines dropped in place: skip the gap
      off = headEnd;
    }
    return out.finish();
  }

  private toRaw(): void {
    this.state = RAW;
    this.reusable = false;
    this.closeAfter = true;
  }

  /**
   * Reads the response head that starts at `b[start]` in one pass, and moves to its body: where
   * the head ends (after its empty line), or NEED_MORE / TOO_LARGE. Sets `rewritten`.
   */
  private readHead(b: Buffer, start: number): number {
    const n = Math.min(b.length, start + MAX_RESPONSE_HEAD);
    // The status line, "HTTP/1.x NNN ...".
    let p = lineEnd(b, start, n);
    if (p < 0) return b.length - start > MAX_RESPONSE_HEAD ? TOO_LARGE : NEED_MORE;
    const minor = b[start + 7]! - 0x30;
    const status = digit(b[start + 9]) * 100 + digit(b[start + 10]) * 10 + digit(b[start + 11]);
    const valid = p - start >= 12 && startsWith(b, start, HTTP_1) && b[start + 8] === 0x20 &&
      (minor === 0 || minor === 1) && status >= 100 && status <= 999;
    let close = false;
    let keepAlive = false;
    let te: string | undefined;
    let cl: number | undefined;
    /** The response is for an HTTP/1.0 client; then where its framing lines are, to drop them (below). */
    const http10 = this.waiting.firstHttp10;
    let teLine = -1;
    let clLine = -1;
    let hasHsts = false;
    /** Other fields named in Connection (rare): dropped too. */
    let named: string[] | null = null;
    const drop = this.drop;
    drop.clear();
    p += 2;
    for (;;) {
      const e = lineEnd(b, p, n);
      if (e < 0) return b.length - start > MAX_RESPONSE_HEAD ? TOO_LARGE : NEED_MORE;
      if (e === p) { p += 2; break; } // the empty line: the head ends
      // Only names starting with c, t or s matter; the rest are skipped unread.
      const first = b[p]! | 0x20;
      if (first === 0x63) {
        if (isField(b, p, e, CONNECTION)) {
          drop.add(p, e + 2);
          // Options, comma-separated with optional white space.
          let t = p + CONNECTION.length + 1;
          while (t < e) {
            while (t < e && (b[t] === SP || b[t] === HTAB || b[t] === COMMA)) t++;
            let z = t;
            while (z < e && b[z] !== COMMA) z++;
            let y = z;
            while (y > t && (b[y - 1] === SP || b[y - 1] === HTAB)) y--;
            if (y - t === CLOSE.length && sameLower(b, t, CLOSE)) close = true;
            else if (y - t === KEEP_ALIVE.length && sameLower(b, t, KEEP_ALIVE)) keepAlive = true;
            else if (y > t) (named ??= []).push(b.toString('latin1', t, y).toLowerCase());
            t = z;
          }
        } else if (cl === undefined && isField(b, p, e, CONTENT_LENGTH)) {
          clLine = p;
          let d = p + CONTENT_LENGTH.length + 1;
          while (d < e && (b[d] === SP || b[d] === HTAB)) d++;
          let v = 0;
          let digits = 0;
          for (; d < e && b[d]! >= 0x30 && b[d]! <= 0x39 && digits < 16; d++, digits++) v = v * 10 + b[d]! - 0x30;
          if (digits > 0 && digits < 16) cl = v; // 16 digits and more: not a length the door follows (raw)
        }
      } else if (first === 0x74) {
        if (te === undefined && isField(b, p, e, TRANSFER_ENCODING)) {
          te = value(b, p + TRANSFER_ENCODING.length, e).toLowerCase();
          teLine = p;
        }
      } else if (first === 0x73) {
        if (isField(b, p, e, STRICT_TRANSPORT_SECURITY)) hasHsts = true;
      } else if (first === 0x6b) {
        if (isField(b, p, e, KEEP_ALIVE_FIELD)) drop.add(p, e + 2);
      } else if (first === 0x70) {
        if (isField(b, p, e, PROXY_CONNECTION)) drop.add(p, e + 2);
      }
      p = e + 2;
    }
    this.rewritten = null;
    this.movedTo = -1;
    if (!valid) { this.toRaw(); return p; }
    if (status === 101) {
      this.waiting.shift();
      this.upgraded = true;
      this.toRaw();
      return p;
    }
    if (status < 200) { // interim (100 Continue): the final response follows
      if (http10) this.rewritten = NOTHING; // HTTP/1.0 has none
      return p;
    }
    const clientCloses = this.waiting.firstCloses;
    const method = this.waiting.shift();
    if (close || (minor === 0 && !keepAlive)) {
      this.reusable = false;
      this.closeAfter = true;
    }
    if (method === 'HEAD' || status === 204 || status === 304) this.state = HEAD;
    else if (te !== undefined) {
      const dechunk = http10 && te === 'chunked';
      if (dechunk || (!http10 && te.endsWith('chunked'))) this.state = { kind: 'chunked', body: new ChunkedBody(), dechunk };
      else this.toRaw();
    } else if (cl !== undefined) this.state = cl > 0 ? { kind: 'length', remaining: cl } : HEAD;
    else this.toRaw(); // body runs to the end of the connection
    if (named) dropNamed(b, start, p, named, drop);
    // HTTP/1.0 has no Transfer-Encoding (RFC 9112 6.1), in an answer to HEAD neither; a coding the
    // door cannot undo passes raw, as it came.
    if (http10 && teLine >= 0 && this.state.kind !== 'raw') {
      dropLine(b, teLine, p, drop);
      if (this.state.kind === 'chunked' && clLine >= 0) dropLine(b, clLine, p, drop); // both framings sent: the chunks win (RFC 9112 6.3)
    }
    const addHsts = this.hsts && !hasHsts;
    const addClose = clientCloses || this.closeAfter;
    if (addHsts || addClose) this.rewritten = rewriteHead(b, start, p, drop, addHsts, addClose);
    else if (drop.length > 0) this.movedTo = dropInPlace(b, start, drop);
    return p;
  }
}

/**
 * The methods of requests waiting for their response, and whether the door closes the client
 * after each: fields for the first (one request in flight is the rule), an array only for
 * pipelined ones behind it.
 */
class RequestQueue {
  length = 0;
  private firstMethod = '';
  /** The first waiting request's client asked to close after its response (false when none waits). */
  firstCloses = false;
  /** The first waiting request came from an HTTP/1.0 client. */
  firstHttp10 = false;
  private readonly rest: { method: string; closes: boolean; http10: boolean }[] = [];

  push(method: string, closes: boolean, http10: boolean): void {
    if (this.length++ === 0) {
      this.firstMethod = method;
      this.firstCloses = closes;
      this.firstHttp10 = http10;
    } else this.rest.push({ method, closes, http10 });
  }

  /** The first waiting request's method, removed; undefined when none waits. */
  shift(): string | undefined {
    if (this.length === 0) return undefined;
    const method = this.firstMethod;
    this.length--;
    const next = this.length > 0 ? this.rest.shift()! : null;
    this.firstMethod = next ? next.method : '';
    this.firstCloses = next ? next.closes : false;
    this.firstHttp10 = next ? next.http10 : false;
    return method;
  }
}

/**
 * [start, end) pairs in order, reused from one response head to the next: clearing keeps the
 * storage (setting an array's length to 0 frees it in V8, and the next push allocates again).
 */
class Spans {
  private readonly v: number[] = [];
  /** How many numbers (twice the spans). */
  length = 0;

  clear(): void {
    this.length = 0;
  }

  at(i: number): number {
    return this.v[i]!;
  }

  add(start: number, end: number): void {
    this.v[this.length++] = start;
    this.v[this.length++] = end;
  }

  /** Adds a span where it belongs in the order (rare). */
  insert(start: number, end: number): void {
    let i = 0;
    while (i < this.length && this.v[i]! < start) i += 2;
    for (let j = this.length - 1; j >= i; j--) this.v[j + 2] = this.v[j]!;
    this.v[i] = start;
    this.v[i + 1] = end;
    this.length += 2;
  }
}

/**
 * `feed`'s output: the input itself from `from` on while nothing changed, else the parts built
 * so far (a reused array) plus the rest of the input.
 */
class Output {
  /** The input being fed; CRLF (any small constant) between feeds. */
  private c: Buffer = CRLF;
  /** Start of the run of `c` not yet in `parts`. */
  private from = 0;
  /** Empty between feeds. */
  private readonly parts: Buffer[] = [];

  reset(c: Buffer): void {
    this.c = c;
    this.from = 0;
  }

  /** c[from..at) as it is, then `part` instead of c[at..resume). */
  replace(at: number, part: Buffer | null, resume: number): void {
    if (at > this.from) this.parts.push(this.c.subarray(this.from, at));
    if (part) this.parts.push(part);
    this.from = resume;
  }

  /** The output; forgets the input (an idle connection holds no read buffer). */
  finish(): Buffer {
    const { c, from, parts } = this;
    this.c = CRLF;
    // Unchanged, or only a prefix skipped (lines dropped in place): no parts, no array work (per response).
    if (parts.length === 0) return from === 0 ? c : c.subarray(from);
    if (from < c.length) parts.push(c.subarray(from));
    const r = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts.length = 0;
    return r;
  }
}

/** Index of the CR of the CRLF ending the line that starts at `p`, or -1 if none before `n`. A plain JS scan: heads are short, a native call per line costs more. */
function lineEnd(b: Buffer, p: number, n: number): number {
  const last = n - 1;
  for (let i = p; i < last; i++) {
    if (b[i] !== CR) continue;
    if (b[i + 1] === LF) return i;
  }
  return -1;
}

function digit(x: number | undefined): number {
  return x !== undefined && x >= 0x30 && x <= 0x39 ? x - 0x30 : NaN;
}

/** The line at b[p..lineEnd) is the field `lower` (name compared ASCII case-insensitively; names hold no control bytes), colon included. */
function isField(b: Buffer, p: number, lineEnd: number, lower: Buffer): boolean {
  const n = lower.length;
  return p + n < lineEnd && b[p + n] === COLON && sameLower(b, p, lower);
}

/** b[p..] equals `lower` compared ASCII case-insensitively (for letters, digits, '-', ' '; no control bytes). */
function sameLower(b: Buffer, p: number, lower: Buffer): boolean {
  for (let i = 0; i < lower.length; i++) if ((b[p + i]! | 0x20) !== lower[i]) return false;
  return true;
}

function startsWith(b: Buffer, p: number, prefix: Buffer): boolean {
  for (let i = 0; i < prefix.length; i++) if (b[p + i] !== prefix[i]) return false;
  return true;
}

/** The field value after the colon at `colon`, up to `lineEnd`, trimmed. */
function value(b: Buffer, colon: number, lineEnd: number): string {
  return b.toString('latin1', colon + 1, lineEnd).trim();
}

/** Adds the line starting at `p` (within a head ending at `end`) to `drop`, keeping its spans in order (rare). */
function dropLine(b: Buffer, p: number, end: number, drop: Spans): void {
  drop.insert(p, lineEnd(b, p, end) + 2);
}

/** HOP_BY_HOP_FIELDS plus the fields named in `Connection` (lower case): `drop` becomes their lines, in order (rare). */
function dropNamed(b: Buffer, start: number, end: number, names: string[], drop: Spans): void {
  drop.clear();
  let p = lineEnd(b, start, end) + 2;
  while (p < end - 2) {
    const e = lineEnd(b, p, end);
    const colon = b.indexOf(COLON, p);
    const name = colon > p && colon < e ? b.toString('latin1', p, colon).toLowerCase() : '';
    if (HOP_BY_HOP_FIELDS.includes(name) || names.includes(name)) drop.add(p, e + 2);
    p = e + 2;
  }
}

/**
 * Removes the `drop` spans from the head that starts at `start` by moving the bytes before each of
 * them forward (the common case: an upstream's `Connection: keep-alive`), so the head still ends
 * where it ended and runs on into its body with no copy of the answer. Returns where it starts now.
 * `b` is the door's own read buffer, nobody else's.
 */
function dropInPlace(b: Buffer, start: number, drop: Spans): number {
  let dst = drop.at(drop.length - 1);
  for (let i = drop.length - 2; i >= 0; i -= 2) {
    const keepFrom = i === 0 ? start : drop.at(i - 1);
    const keepTo = drop.at(i);
    dst -= keepTo - keepFrom;
    b.copyWithin(dst, keepFrom, keepTo);
  }
  return dst;
}

/** The head b[start..end) without the `drop` spans, with HSTS and `Connection: close` added as its last fields. */
function rewriteHead(b: Buffer, start: number, end: number, drop: Spans, addHsts: boolean, addClose: boolean): Buffer {
  const parts: Buffer[] = [];
  let from = start;
  for (let i = 0; i < drop.length; i += 2) {
    if (drop.at(i) > from) parts.push(b.subarray(from, drop.at(i)));
    from = drop.at(i + 1);
  }
  parts.push(b.subarray(from, end - 2)); // up to the empty line
  if (addHsts) parts.push(HSTS_LINE);
  if (addClose) parts.push(CONNECTION_CLOSE_LINE);
  parts.push(CRLF);
  return Buffer.concat(parts);
}
