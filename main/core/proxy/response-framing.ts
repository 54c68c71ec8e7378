import { ChunkedBody } from './chunked-body.ts';

export const HSTS_HEADER = 'Strict-Transport-Security: max-age=31536000';
const MAX_RESPONSE_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked'; body: ChunkedBody }
  /** Body to the end of the connection, a 101 tunnel, or a response it could not follow. */
  | { kind: 'raw' };

/**
 * Follows the framing of the responses on one upstream connection (RFC 9112 6.3), to know when
 * each response is complete: that is when the connection may go back to the pool and when the
 * client may send its next request on an idle timer. With `hsts` it also adds
 * Strict-Transport-Security to each final response head. The upstream is ours (configured), so it
 * is read leniently: what it cannot follow becomes a raw pass-through on a connection that is
 * never reused.
 */
export class ResponseFraming {
  private readonly hsts: boolean;
  /** Methods of the requests sent whose final response has not started yet, in order. */
  private readonly methods: string[] = [];
  private state: State = { kind: 'head' };
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

  /** A request was sent; its response will come in order. */
  onRequest(method: string): void {
    this.methods.push(method);
  }

  /** Requests sent whose response is not complete yet. */
  get pending(): number {
    return this.methods.length + (this.state.kind === 'head' ? 0 : 1);
  }

  /** The upstream closed: a body that runs to the end of the connection is complete now. */
  onEnd(): void {
    if (this.state.kind === 'raw' && !this.upgraded) this.state = { kind: 'head' };
  }

  /** Bytes from the upstream in, bytes for the client out. */
  feed(c: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    while (off < c.length) {
      const st = this.state;
      switch (st.kind) {
        case 'raw':
          out.push(off ? c.subarray(off) : c);
          return out;
        case 'length': {
          const n = Math.min(st.remaining, c.length - off);
          out.push(c.subarray(off, off + n));
          off += n;
          st.remaining -= n;
          if (st.remaining === 0) this.state = { kind: 'head' };
          break;
        }
        case 'chunked': {
          const r = st.body.feed(c, off);
          if (r.kind === 'invalid') { this.toRaw(); break; }
          out.push(c.subarray(off, off + r.used));
          off += r.used;
          if (r.kind === 'done') this.state = { kind: 'head' };
          break;
        }
        case 'head': {
          if (this.methods.length === 0) {
            // Bytes nobody asked for: the upstream is out of step; drop them and this connection.
            this.reusable = false;
            this.closeAfter = true;
            return out;
          }
          const start = this.head ? this.head.length : 0;
          const buf = this.head ? Buffer.concat([this.head, c.subarray(off)]) : c.subarray(off);
          const end = buf.indexOf(CRLFCRLF, Math.max(0, start - 3));
          if (end < 0) {
            if (buf.length > MAX_RESPONSE_HEAD) { this.head = null; this.toRaw(); out.push(buf); return out; }
            this.head = Buffer.from(buf);
            return out;
          }
          this.head = null;
          const headLen = end + 4;
          out.push(this.completeHead(buf.subarray(0, headLen)));
          off += headLen - start;
          break;
        }
      }
    }
    return out;
  }

  private toRaw(): void {
    this.state = { kind: 'raw' };
    this.reusable = false;
    this.closeAfter = true;
  }

  private completeHead(head: Buffer): Buffer {
    const text = head.toString('latin1');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(text);
    if (!m) { this.toRaw(); return head; }
    const status = Number(m[2]);
    if (status === 101) {
      this.methods.shift();
      this.upgraded = true;
      this.toRaw();
      return head;
    }
    if (status < 200) return head; // interim (100 Continue): the final response follows
    const method = this.methods.shift();
    const lower = text.toLowerCase();
    const connection = [...lower.matchAll(/\r\nconnection:([^\r]*)/g)].flatMap((x) => x[1]!.split(',').map((t) => t.trim()));
    if (connection.includes('close') || (m[1] === '0' && !connection.includes('keep-alive'))) {
      this.reusable = false;
      this.closeAfter = true;
    }
    const te = /\r\ntransfer-encoding:([^\r]*)/.exec(lower)?.[1]?.trim();
    const cl = /\r\ncontent-length:[ \t]*(\d+)/.exec(lower)?.[1];
    if (method === 'HEAD' || status === 204 || status === 304) this.state = { kind: 'head' };
    else if (te !== undefined) {
      if (te.endsWith('chunked')) this.state = { kind: 'chunked', body: new ChunkedBody() };
      else this.toRaw();
    } else if (cl !== undefined) this.state = Number(cl) > 0 ? { kind: 'length', remaining: Number(cl) } : { kind: 'head' };
    else this.toRaw(); // body runs to the end of the connection
    if (!this.hsts || lower.includes('\r\nstrict-transport-security:')) return head;
    return Buffer.concat([head.subarray(0, head.length - 2), Buffer.from(`${HSTS_HEADER}\r\n\r\n`, 'latin1')]);
  }
}
