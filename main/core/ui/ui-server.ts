/**
 * The headless dashboard's HTTP server: static files, every API channel as POST /api/<channel>,
 * Server-Sent Events for status and events, and the guards in front of them (Host and Origin
 * checks, security headers, and each listener's gate: the session token on 127.0.0.1, a signed-in
 * session on the local network; ui-gate.ts). It stays one file, about 340 lines, because the
 * guards and the routes they protect read best side by side.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CHANNELS, type Channel, type EventRecord, type PorticoApiHandlers, type PorticoEvents } from '../../shared/api.ts';
import type { AppStatus } from '../../shared/status.ts';
import type { Logger } from '../support/logger.ts';
import { RENDERER_CSP } from '../../shared/renderer-csp.ts';
import { UiToken } from './ui-token.ts';
import { tokenGate } from './token-gate.ts';
import type { UiGate, UiListener } from './ui-gate.ts';

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_BODY = 1024 * 1024;
const HEARTBEAT_MS = 25_000;
/** Status can change many times a second under traffic; clients get the latest at most this often. */
const STATUS_COALESCE_MS = 100;
const CHANNEL_SET = new Set<string>(CHANNELS);

export interface UiServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Always loopback; the option exists so the type says so. */
  host?: '127.0.0.1';
  /** The built renderer (dist/renderer); null serves a page saying to build it. */
  staticDir: string | null;
  handlers: PorticoApiHandlers;
  getStatus: () => AppStatus | Promise<AppStatus>;
  onDidChangeStatus: (fn: (s: AppStatus) => void) => () => void;
  onDidAddEvent?: (fn: (e: EventRecord) => void) => () => void;
  token: string;
  /** Where the token is kept, named on the locked-out answer. */
  tokenFile?: string;
  logger: Logger;
  heartbeatMs?: number;
}

type Json = (status: number, body: unknown, extra?: Record<string, string>) => void;

/**
 * The headless dashboard: the renderer's static files and the PorticoApi over HTTP, on 127.0.0.1
 * (`start`) and on further listeners with their own gate (`listen`: the local network). Defences,
 * in order: the gate's peers only (loopback on 127.0.0.1); Host must be ours (DNS rebinding); a
 * foreign Origin is refused (CSRF; no CORS headers are ever sent), and where a cookie is the
 * credential a POST must carry our Origin; every /api call passes the gate (on 127.0.0.1 the
 * session token as a Bearer header, which a cross-site page cannot attach).
 */
export class UiServer {
  private readonly opts: UiServerOptions;
  private readonly log: Logger;
  private server: Server | undefined;
  private boundPort = 0;
  private readonly extra = new Set<Server>();
  /** Each open event stream, and whether its credential still holds. */
  private readonly streams = new Map<ServerResponse, () => boolean>();
  private readonly unsubscribe: (() => void)[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private pendingStatus: AppStatus | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private token: string;

  constructor(opts: UiServerOptions) {
    this.opts = opts;
    this.log = opts.logger.child('ui');
    this.token = opts.token;
    this.log.addSecret(opts.token);
  }

  /**
   * Answer to this token from now on (a rotation): requests with the old one are refused, and
   * open event streams are closed so each reconnects with the token it has (the old one fails).
   */
  useToken(token: string): void {
    this.log.addSecret(token);
    this.token = token;
    for (const s of this.streams.keys()) s.end();
  }

  /** End the event streams whose credential no longer holds (a sign-out, a new password), at once. */
  recheckStreams(): void {
    for (const [s, valid] of this.streams) if (!valid()) s.end();
  }

  get port(): number {
    if (!this.server) throw new Error('UiServer.port read before start(); await start() first');
    return this.boundPort;
  }

  /** The link to print once: the token travels in the fragment, which browsers never send to servers. */
  get url(): string {
    return UiToken.link(this.port, this.token);
  }

  async start(): Promise<void> {
    if (this.server) return;
    const gate = tokenGate({ port: () => this.boundPort, token: () => this.token, tokenFile: this.opts.tokenFile });
    const server = await this.open('127.0.0.1', this.opts.port, gate, (port) => `The dashboard could not listen on 127.0.0.1:${port}: the port is in use. Stop the other program or set "ui": {"port": ...} in the config.`);
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.unsubscribe.push(this.opts.onDidChangeStatus((s) => this.queueStatus(s)));
    if (this.opts.onDidAddEvent) this.unsubscribe.push(this.opts.onDidAddEvent((e) => this.broadcast('event:added', e)));
  }

  /**
   * One more listener with its own gate (the dashboard on the local network); call after start().
   * Throws a sentence naming the address and the fix when it cannot listen.
   */
  async listen(host: string, port: number, gate: UiGate, inUse: (port: number) => string): Promise<UiListener> {
    if (!this.server) throw new Error('UiServer.listen() before start(); await start() first');
    const server = await this.open(host, port, gate, inUse);
    this.extra.add(server);
    const bound = (server.address() as AddressInfo).port;
    return {
      host, port: bound,
      close: async () => {
        if (this.extra.delete(server)) await closeServer(server);
      },
    };
  }

  private async open(host: string, port: number, gate: UiGate, inUse: (port: number) => string): Promise<Server> {
    const server = createServer((req, res) => { void this.handle(req, res, gate); });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'EADDRINUSE' ? new Error(inUse(port), { cause: e }) : e);
      });
      server.listen(port, host, () => resolveListen());
    });
    return server;
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    clearInterval(this.heartbeat);
    clearTimeout(this.statusTimer);
    this.heartbeat = this.statusTimer = undefined;
    for (const s of this.streams.keys()) s.end();
    this.streams.clear();
    const servers = [...this.extra, ...(this.server ? [this.server] : [])];
    this.extra.clear();
    this.server = undefined;
    await Promise.all(servers.map(closeServer));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, gate: UiGate): Promise<void> {
    const json: Json = (status, body, extra = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    const refuse = (status: number, code: string, message: string) => json(status, { ok: false, error: { code, message } });
    try {
      const peer = gate.refusePeer(req.socket.remoteAddress);
      if (peer) return refuse(403, peer.code, peer.message);
      const allowed = gate.hosts();
      if (!allowed.includes((req.headers.host ?? '').toLowerCase())) {
        return refuse(421, 'wrong-host', `This server only answers to http://${allowed[0] ?? '127.0.0.1'}/; open that address (another name pointing here is refused to stop DNS-rebinding attacks).`);
      }
      const origin = req.headers.origin;
      const foreign = origin !== undefined && !allowed.some((h) => origin.toLowerCase() === `http://${h}`);
      const unsafe = req.method !== 'GET' && req.method !== 'HEAD';
      if (foreign || req.headers['sec-fetch-site'] === 'cross-site' || (gate.originRequired && unsafe && origin === undefined)) {
        return refuse(403, 'cross-origin', `Requests from other web sites are refused. Open the dashboard at ${gate.where}.`);
      }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (gate.answer && await gate.answer(req, res, path)) return;
      if (path === '/api' || path.startsWith('/api/')) {
        const admitted = gate.admit(req);
        if (!admitted.ok) return json(admitted.status, { ok: false, error: admitted.error }, admitted.headers);
        return await this.api(req, res, path, json, refuse, admitted.valid);
      }
      return await this.serveStatic(req, res, path);
    } catch (e) {
      this.log.error('dashboard request failed', { url: req.url, error: e });
      if (!res.headersSent) refuse(500, 'internal-error', `The dashboard hit an unexpected error (${(e as Error).message}); try again, and if it repeats export a diagnostics bundle and report it.`);
      else res.destroy();
    }
  }

  private async api(req: IncomingMessage, res: ServerResponse, path: string, json: Json, refuse: (s: number, c: string, m: string) => void, valid: () => boolean): Promise<void> {
    if (path === '/api/status') {
      if (req.method !== 'GET') return json(405, { ok: false, error: { code: 'method-not-allowed', message: 'Use GET /api/status.' } }, { Allow: 'GET' });
      return json(200, await this.opts.getStatus());
    }
    if (path === '/api/events') {
      if (req.method !== 'GET') return json(405, { ok: false, error: { code: 'method-not-allowed', message: 'Use GET /api/events.' } }, { Allow: 'GET' });
      return this.openStream(req, res, valid);
    }
    let channel: string;
    try {
      channel = decodeURIComponent(path.slice('/api/'.length));
    } catch {
      // A broken %-escape is the caller's mistake, not ours: say which part and what to send instead.
      return refuse(400, 'bad-url-encoding', `The API path "${path.slice(0, 80)}" has a malformed percent-encoding (a "%" not followed by two hex digits of valid UTF-8); call /api/<channel> with the channel name as written, e.g. /api/config:get.`);
    }
    if (!CHANNEL_SET.has(channel)) return refuse(404, 'unknown-channel', `There is no API call named "${channel.slice(0, 64)}"; the dashboard and the service may be different versions — reload the page.`);
    if (req.method !== 'POST') return json(405, { ok: false, error: { code: 'method-not-allowed', message: `Use POST /api/${channel} with {"args": [...]}.` } }, { Allow: 'POST' });
    // JSON only: an HTML form cannot send it without a CORS preflight, which we never answer.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuse(415, 'unsupported-media-type', 'Send the request body as application/json: {"args": [...]}.');
    const body = await readBody(req);
    if (body === undefined) return refuse(413, 'body-too-large', 'The request body is larger than 1 MiB; send only the call arguments.');
    let args: unknown;
    try {
      const parsed: unknown = body.length ? JSON.parse(body) : { args: [] };
      args = (parsed as { args?: unknown }).args ?? [];
    } catch {
      return refuse(400, 'bad-json', 'The request body is not valid JSON; send {"args": [...]}.');
    }
    if (!Array.isArray(args)) return refuse(400, 'bad-args', 'The request body must be {"args": [...]} with a list of arguments.');
    const handler = this.opts.handlers[channel as Channel] as (...a: unknown[]) => unknown;
    let value: unknown;
    try {
      value = await handler(...args);
    } catch (e) {
      this.log.error('api call failed', { channel, error: e });
      return refuse(500, 'internal-error', `${channel} failed unexpectedly (${(e as Error).message}); try again, and if it repeats export a diagnostics bundle and report it.`);
    }
    json(200, value ?? null);
  }

  private async openStream(req: IncomingMessage, res: ServerResponse, valid: () => boolean): Promise<void> {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.write('retry: 3000\n\n');
    this.streams.set(res, valid);
    req.socket.setKeepAlive(true);
    const drop = () => {
      this.streams.delete(res);
      if (this.streams.size === 0) { clearInterval(this.heartbeat); this.heartbeat = undefined; }
    };
    res.on('close', drop);
    // A heartbeat only while someone listens, so an idle service with no dashboard open costs nothing.
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => { for (const [s, ok] of this.streams) if (ok()) s.write(': heartbeat\n\n'); else s.end(); }, this.opts.heartbeatMs ?? HEARTBEAT_MS);
      this.heartbeat.unref();
    }
    // Send the current state straight away so a client never starts stale.
    send(res, 'status:changed', await this.opts.getStatus());
  }

  private queueStatus(s: AppStatus): void {
    this.pendingStatus = s;
    if (this.statusTimer || this.streams.size === 0) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      const latest = this.pendingStatus;
      this.pendingStatus = undefined;
      if (latest) this.broadcast('status:changed', latest);
    }, STATUS_COALESCE_MS);
    this.statusTimer.unref();
  }

  private broadcast<K extends keyof PorticoEvents>(event: K, data: PorticoEvents[K]): void {
    for (const [s, ok] of this.streams) if (ok()) send(s, event, data); else s.end();
  }

  private async serveStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const plain = (status: number, text: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'Only GET is allowed here.', { Allow: 'GET, HEAD' });
    const root = this.opts.staticDir;
    if (!root) return plain(503, 'The dashboard files are not built. Run `npm run build`, then restart `portico serve`.');
    let rel: string;
    try {
      rel = decodeURIComponent(path);
    } catch {
      return plain(400, 'Bad URL encoding.');
    }
    if (rel.includes('\0') || rel.split('/').some((seg) => seg.startsWith('.'))) return plain(404, 'Not found.');
    const base = resolve(root);
    const file = resolve(base, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
    if (file !== base && !file.startsWith(base + sep)) return plain(404, 'Not found.');
    let info;
    try {
      info = await stat(file);
    } catch {
      return plain(404, 'Not found.');
    }
    if (!info.isFile()) return plain(404, 'Not found.');
    const data = await readFile(file);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': data.length,
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The request body as text, or undefined when it is larger than `max` bytes (read to the end either way). */
export function readBody(req: IncomingMessage, max = MAX_BODY): Promise<string | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => resolveBody(size > max ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
}
