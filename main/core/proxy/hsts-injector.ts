import { ChunkedBody } from './chunked-body.ts';

export const HSTS_HEADER = 'Strict-Transport-Security: max-age=31536000';
const MAX_RESPONSE_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

type State = { kind: 'head' } | { kind: 'length'; remaining: number } | { kind: 'chunked'; body: ChunkedBody } | { kind: 'raw' };

/**
 * Adds Strict-Transport-Security to each response from the upstream (door.hsts). Only used when
 * HSTS is on: it has to follow response framing (RFC 9112 6.3) to find each response head, which
 * the default raw response pipe does not. The upstream is ours (configured), so it is read
 * leniently; anything it cannot follow turns into a raw pass-through rather than an error.
 */
export class HstsInjector {
  private readonly methods: string[] = [];
  private state: State = { kind: 'head' };
  private head: Buffer | null = null;

  /** A request was forwarded; its response will come in order. */
  onRequest(method: string): void {
    this.methods.push(method);
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
          if (r.kind === 'invalid') { this.state = { kind: 'raw' }; break; }
          out.push(c.subarray(off, off + r.used));
          off += r.used;
          if (r.kind === 'done') this.state = { kind: 'head' };
          break;
        }
        case 'head': {
          const start = this.head ? this.head.length : 0;
          const buf = this.head ? Buffer.concat([this.head, c.subarray(off)]) : c.subarray(off);
          const end = buf.indexOf(CRLFCRLF, Math.max(0, start - 3));
          if (end < 0) {
            if (buf.length > MAX_RESPONSE_HEAD) { this.head = null; this.state = { kind: 'raw' }; out.push(buf); return out; }
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

  private completeHead(head: Buffer): Buffer {
    const text = head.toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? NaN);
    if (!Number.isFinite(status)) { this.state = { kind: 'raw' }; return head; }
    if (status === 101) { this.state = { kind: 'raw' }; return head; }
    if (status < 200) return head; // interim (100 Continue): the final response follows
    const method = this.methods.shift();
    const lower = text.toLowerCase();
    const te = /\r\ntransfer-encoding:([^\r]*)/.exec(lower)?.[1]?.trim();
    const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower)?.[1];
    if (method === 'HEAD' || status === 204 || status === 304) this.state = { kind: 'head' };
    else if (te !== undefined) this.state = te.endsWith('chunked') ? { kind: 'chunked', body: new ChunkedBody() } : { kind: 'raw' };
    else if (cl !== undefined) this.state = Number(cl) > 0 ? { kind: 'length', remaining: Number(cl) } : { kind: 'head' };
    else this.state = { kind: 'raw' }; // body runs to the end of the connection
    if (lower.includes('\r\nstrict-transport-security:')) return head;
    return Buffer.concat([head.subarray(0, head.length - 2), Buffer.from(`${HSTS_HEADER}\r\n\r\n`, 'latin1')]);
  }
}
