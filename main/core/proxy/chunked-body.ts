/**
 * Follows a chunked request body (RFC 9112 section 7.1) byte by byte without copying it, only to
 * know where it ends so the next request head on the connection is found. Strict: anything but
 * hex sizes, CRLF line ends and a well-formed trailer section is an error.
 */
type State = 'size' | 'ext' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'trailer-start' | 'trailer' | 'trailer-lf' | 'final-lf' | 'done';

export type ChunkedFeed = { kind: 'more'; used: number } | { kind: 'done'; used: number } | { kind: 'invalid'; reason: string };

const MAX_SIZE_DIGITS = 15;
const MAX_LINE = 8 * 1024;

export class ChunkedBody {
  private state: State = 'size';
  private size = 0;
  private digits = 0;
  private remaining = 0;
  private lineBytes = 0;

  /** Consume bytes from `buf[off..]`; `used` is how many belong to this body. */
  feed(buf: Uint8Array, off: number): ChunkedFeed {
    let p = off;
    const n = buf.length;
    while (p < n) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, n - p);
        this.remaining -= take;
        p += take;
        if (this.remaining === 0) this.state = 'data-cr';
        continue;
      }
      const c = buf[p++]!;
      switch (this.state) {
        case 'size': {
          const h = hex(c);
          if (h >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return { kind: 'invalid', reason: 'chunk size too large' };
            this.size = this.size * 16 + h;
          } else if (this.digits === 0) {
            return { kind: 'invalid', reason: 'chunk size missing' };
          } else if (c === 0x0d) {
            this.state = 'size-lf';
          } else if (c === 0x3b || c === 0x20 || c === 0x09) {
            this.state = 'ext';
            this.lineBytes = 0;
          } else {
            return { kind: 'invalid', reason: 'invalid character in chunk size' };
          }
          break;
        }
        case 'ext':
          if (c === 0x0d) this.state = 'size-lf';
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return { kind: 'invalid', reason: 'control character in chunk extension' };
          else if (++this.lineBytes > MAX_LINE) return { kind: 'invalid', reason: 'chunk extension too long' };
          break;
        case 'size-lf':
          if (c !== 0x0a) return { kind: 'invalid', reason: 'chunk size line not ended by CRLF' };
          if (this.size === 0) {
            this.state = 'trailer-start';
          } else {
            this.remaining = this.size;
            this.state = 'data';
          }
          this.size = 0;
          this.digits = 0;
          break;
        case 'data-cr':
          if (c !== 0x0d) return { kind: 'invalid', reason: 'chunk data longer than its size' };
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (c !== 0x0a) return { kind: 'invalid', reason: 'chunk data not ended by CRLF' };
          this.state = 'size';
          break;
        case 'trailer-start':
          if (c === 0x0d) this.state = 'final-lf';
          else if (c === 0x20 || c === 0x09) return { kind: 'invalid', reason: 'obsolete line folding in trailer' };
          else if (c < 0x20 || c === 0x7f) return { kind: 'invalid', reason: 'control character in trailer' };
          else { this.state = 'trailer'; this.lineBytes = 1; }
          break;
        case 'trailer':
          if (c === 0x0d) this.state = 'trailer-lf';
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return { kind: 'invalid', reason: 'control character in trailer' };
          else if (++this.lineBytes > MAX_LINE) return { kind: 'invalid', reason: 'trailer line too long' };
          break;
        case 'trailer-lf':
          if (c !== 0x0a) return { kind: 'invalid', reason: 'trailer line not ended by CRLF' };
          this.state = 'trailer-start';
          break;
        case 'final-lf':
          if (c !== 0x0a) return { kind: 'invalid', reason: 'chunked body not ended by CRLF' };
          this.state = 'done';
          return { kind: 'done', used: p - off };
        case 'done':
          return { kind: 'done', used: p - off - 1 };
      }
    }
    return { kind: 'more', used: p - off };
  }
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
