/**
 * One HTTP(S) request whose answer is read whole as text: how the core talks to the APIs it uses
 * (PMS, plex.tv, the DNS providers, alert services). It is plain `node:http`/`node:https`, not
 * `fetch()`: the first fetch loads undici and its web streams, ~12 MB that a `portico serve`
 * checking PMS every minute would keep for good (docs/bench.md, "Memory of `portico serve`").
 *
 * A failure rejects with an `HttpFailure` whose message is already the words an error shows:
 * 'connection refused', 'no answer within 15 s', else the system's code (ENOTFOUND,
 * ECONNRESET…), an untrusted certificate named as such — one wording for every client, so the same failure reads the same wherever it
 * appears. Redirects are not followed (no API Portico calls answers with one; a redirected
 * webhook is an error to see, not to follow). Nothing of the request (URL, headers) is in the message.
 */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpTextRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** For the whole exchange, from connecting to the last byte of the answer. */
  timeoutMs: number;
  /** CA certificates (PEM) to trust instead of the system's, for https (a private service, tests). */
  ca?: string;
}

export interface HttpTextResponse {
  status: number;
  /** The status is 2xx. */
  ok: boolean;
  statusText: string;
  /** Names in lower case, as node:http gives them. */
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request that got no complete answer; `message` says why in words, `code` is the system's code if any. */
export class HttpFailure extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'HttpFailure';
    this.code = code;
  }
}

/** The signature clients take, so a test can wrap the real one. */
export type HttpText = (url: string, req: HttpTextRequest) => Promise<HttpTextResponse>;

export const httpText: HttpText = (url, req) => new Promise((resolve, reject) => {
  let u: URL;
  try {
    u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    reject(new HttpFailure('not an http(s) URL', 'ERR_INVALID_URL'));
    return;
  }
  let timedOut = false;
  let r: ClientRequest | undefined;
  const timer = setTimeout(() => { timedOut = true; r?.destroy(); }, req.timeoutMs);
  const fail = (e: unknown) => {
    clearTimeout(timer);
    if (timedOut) return reject(new HttpFailure(`no answer within ${req.timeoutMs / 1000} s`, 'ETIMEDOUT'));
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'ECONNREFUSED') return reject(new HttpFailure('connection refused', code));
    // A header value Node refuses: most likely a token pasted with a line break; said without quoting it.
    if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(code)) return reject(new HttpFailure(`the server's certificate is not trusted (${code})`, code));
    if (code === 'ERR_INVALID_CHAR') return reject(new HttpFailure('a header value has a character HTTP does not allow, such as a line break', code));
    reject(new HttpFailure(typeof code === 'string' ? code : 'the request failed', typeof code === 'string' ? code : undefined));
  };
  const headers = { ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}), ...req.headers };
  try {
    r = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: req.method ?? 'GET', headers, ...(req.ca ? { ca: req.ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, statusText: res.statusMessage ?? '', headers: res.headers, body });
      });
      // Cut before the last byte: read as a reset connection (or the timeout, when that cut it).
      res.on('close', () => { if (!res.complete) fail({ code: 'ECONNRESET' }); });
    });
  } catch (e) {
    fail(e);
    return;
  }
  r.on('error', fail);
  r.end(req.body);
});
