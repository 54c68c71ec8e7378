/**
 * Follows a chunked body (RFC 9112 section 7.1) byte by byte without copying the data, to know
 * where it ends so the next message on the connection is found. Strict: anything but hex sizes,
 * chunk extensions that follow the grammar, CRLF line ends and well-formed trailer fields is an
 * error. The trailer section is also returned parsed, so a proxy can forward it filtered.
 */
type State = 'size' | 'ext' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'trailer-start' | 'trailer' | 'trailer-lf' | 'final-lf' | 'done';

/**
 * `used`: bytes from `off` that belong to this body. `data`: how many of them are chunks and the
 * last-chunk line (everything before the trailer section); the rest is trailer section, returned
 * as `trailers` when done.
 */
export type ChunkedFeed =
  | { kind: 'more'; used: number; data: number }
  | { kind: 'done'; used: number; data: number; trailers: [string, string][] }
  | { kind: 'invalid'; reason: string };

const MAX_SIZE_DIGITS = 15;
const MAX_LINE = 8 * 1024;
const MAX_TRAILERS = 32;
const TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
/** chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ), RFC 9112 7.1.1. */
const CHUNK_EXT = new RegExp(`^(?:[ \\t]*;[ \\t]*${TCHAR}(?:[ \\t]*=[ \\t]*(?:${TCHAR}|"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"))?)*$`);
const TRAILER_FIELD = new RegExp(`^(${TCHAR}):[ \\t]*([\\t\\x20-\\x7e\\x80-\\xff]*?)[ \\t]*$`);

export class ChunkedBody {
  private state: State = 'size';
  private size = 0;
  private digits = 0;
  private remaining = 0;
  /** The current chunk-ext or trailer line (only these short lines are copied). */
  private line = '';
  private readonly trailers: [string, string][] = [];

  /**
   * Consume bytes from `buf[off..]`; `used` is how many belong to this body. With `spans`, the
   * chunk data found in this call is appended to it as [start, end) pairs (for de-chunking).
   */
  feed(buf: Uint8Array, off: number, spans?: number[] | null): ChunkedFeed {
    let p = off;
    const n = buf.length;
    // Where the trailer section starts in this call (all of it when already inside).
    let data = this.inTrailers() ? 0 : -1;
    while (p < n) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, n - p);
        if (spans) spans.push(p, p + take);
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
            if (++this.digits > MAX_SIZE_DIGITS) return invalid('chunk size too large');
            this.size = this.size * 16 + h;
          } else if (this.digits === 0) {
            return invalid('chunk size missing');
          } else if (c === 0x0d) {
            this.state = 'size-lf';
          } else if (c === 0x3b || c === 0x20 || c === 0x09) {
            this.state = 'ext';
            this.line = String.fromCharCode(c);
          } else {
            return invalid('invalid character in chunk size');
          }
          break;
        }
        case 'ext':
          if (c === 0x0d) {
            if (!CHUNK_EXT.test(this.line)) return invalid('malformed chunk extension');
            this.line = '';
            this.state = 'size-lf';
          } else if (this.line.length >= MAX_LINE) {
            return invalid('chunk extension too long');
          } else {
            this.line += String.fromCharCode(c);
          }
          break;
        case 'size-lf':
          if (c !== 0x0a) return invalid('chunk size line not ended by CRLF');
          if (this.size === 0) {
            this.state = 'trailer-start';
            data = p - off;
          } else {
            this.remaining = this.size;
            this.state = 'data';
          }
          this.size = 0;
          this.digits = 0;
          break;
        case 'data-cr':
          if (c !== 0x0d) return invalid('chunk data longer than its size');
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (c !== 0x0a) return invalid('chunk data not ended by CRLF');
          this.state = 'size';
          break;
        case 'trailer-start':
          if (c === 0x0d) this.state = 'final-lf';
          else if (c === 0x20 || c === 0x09) return invalid('obsolete line folding in trailer');
          else if (this.trailers.length >= MAX_TRAILERS) return invalid('too many trailer fields');
          else { this.state = 'trailer'; this.line = String.fromCharCode(c); }
          break;
        case 'trailer':
          if (c === 0x0d) this.state = 'trailer-lf';
          else if (this.line.length >= MAX_LINE) return invalid('trailer line too long');
          else this.line += String.fromCharCode(c);
          break;
        case 'trailer-lf': {
          if (c !== 0x0a) return invalid('trailer line not ended by CRLF');
          const m = TRAILER_FIELD.exec(this.line);
          if (!m) return invalid('malformed trailer field');
          this.trailers.push([m[1]!, m[2]!]);
          this.line = '';
          this.state = 'trailer-start';
          break;
        }
        case 'final-lf':
          if (c !== 0x0a) return invalid('chunked body not ended by CRLF');
          this.state = 'done';
          return { kind: 'done', used: p - off, data: data < 0 ? p - off : data, trailers: this.trailers };
        case 'done':
          return { kind: 'done', used: p - off - 1, data: 0, trailers: this.trailers };
      }
    }
    return { kind: 'more', used: p - off, data: data < 0 ? p - off : data };
  }

  private inTrailers(): boolean {
    return this.state === 'trailer-start' || this.state === 'trailer' || this.state === 'trailer-lf' || this.state === 'final-lf';
  }
}

const invalid = (reason: string): ChunkedFeed => ({ kind: 'invalid', reason });

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
