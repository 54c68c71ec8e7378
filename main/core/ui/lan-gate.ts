import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { addressScope } from '../../shared/ip-address.ts';
import type { Clock } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import { LoginLimiter, plainAddress, waitWords } from './login-limiter.ts';
import { LOGIN_PAGE_CSP, loginPage } from './login-page.ts';
import { UiPassword, type PasswordRecord } from './ui-password.ts';
import { readBody, SECURITY_HEADERS } from './ui-server.ts';
import type { UiGate } from './ui-gate.ts';

export const SESSION_COOKIE = 'portico_session';
/** A session ends after this long unused… */
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
/** …and at the latest this long after signing in. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60_000;
/** Signed-in devices kept at once; signing in past this ends the oldest session. */
const MAX_SESSIONS = 100;
const MAX_FORM = 4096;

interface Session { created: number; used: number; address: string }

export interface LanGateOptions {
  /** The Host values to answer (lower case `host:port`): the addresses listened on and the configured names. */
  hosts: () => string[];
  /** The saved password hash, read at each sign-in (`portico ui-password` may have changed it). */
  password: () => Promise<PasswordRecord | undefined>;
  clock: Clock;
  logger: Logger;
}

/**
 * The gate of the dashboard on the local network: private-network peers only, Host one of our
 * addresses or names, and a session made by signing in with the password: a random id in an
 * HttpOnly, SameSite=Strict cookie (Secure when the connection is TLS), tied to the address that
 * signed in, ending after SESSION_IDLE_MS unused or SESSION_MAX_MS in all, at sign-out, at a new
 * password, and when Portico stops (sessions live in memory). Sign-in attempts are limited per
 * address (login-limiter.ts). Only the SHA-256 of each session id is kept.
 */
export class LanGate implements UiGate {
  readonly where = 'its address on your network';
  readonly originRequired = true;
  private readonly o: LanGateOptions;
  private readonly log: Logger;
  private readonly limiter: LoginLimiter;
  private readonly sessions = new Map<string, Session>();

  constructor(o: LanGateOptions) {
    this.o = o;
    this.log = o.logger.child('ui-lan');
    this.limiter = new LoginLimiter(o.clock);
  }

  hosts(): string[] {
    return this.o.hosts();
  }

  refusePeer(address: string | undefined): { code: string; message: string } | undefined {
    const scope = addressScope(plainAddress(address ?? ''));
    if (['private', 'loopback', 'link-local', 'cgnat'].includes(scope)) return undefined;
    return { code: 'not-local-network', message: 'The Portico dashboard answers only devices on your own network. From outside, connect to your home network first (a VPN), or use an SSH tunnel to the computer that runs Portico.' };
  }

  /** Everyone signs in again (a new password, or LAN access turned off). */
  endAllSessions(): void {
    this.sessions.clear();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  admit(req: IncomingMessage): ReturnType<UiGate['admit']> {
    const key = this.sessionKey(req);
    if (key) {
      const s = this.sessions.get(key)!;
      s.used = this.o.clock.now();
      return { ok: true, valid: () => this.sessions.get(key) === s && this.live(s) };
    }
    return { ok: false, status: 401, error: { code: 'login-required', message: 'Sign in first: open /login on this address and enter the dashboard password.' } };
  }

  async answer(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/login' && get) {
      if (this.sessionKey(req)) return see(res, '/');
      await this.page(req, res, 200);
      return true;
    }
    if (path === '/login' && req.method === 'POST') return this.signIn(req, res);
    if (path === '/logout' && req.method === 'POST') {
      const key = this.sessionKey(req);
      if (key) this.sessions.delete(key);
      return see(res, '/login?signed-out', [this.cookie(req, '', 0)]);
    }
    // The dashboard's page itself only for a signed-in device; its scripts and styles are the same for everyone.
    if ((path === '/' || path === '/index.html') && !this.sessionKey(req)) return see(res, '/login');
    return false;
  }

  private async signIn(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
      await this.page(req, res, 415, { kind: 'error', text: 'The sign-in form was not sent as a form. Reload this page and try again.' });
      return true;
    }
    const body = await readBody(req, MAX_FORM);
    const password = body === undefined ? undefined : new URLSearchParams(body).get('password') ?? '';
    const address = req.socket.remoteAddress ?? '?';
    const attempt = this.limiter.begin(address);
    if ('wait' in attempt) {
      // Not logged: each wrong password already was, and a flood of refused tries must not flood the log.
      await this.page(req, res, 429, { kind: 'error', text: `Too many wrong passwords from this device. Wait ${waitWords(attempt.wait)}, then try again.` }, { 'Retry-After': String(Math.ceil(attempt.wait / 1000)) });
      return true;
    }
    const record = await this.o.password();
    const right = record !== undefined && password !== undefined && await UiPassword.verify(record, password);
    attempt.done(right);
    if (!right) {
      this.log.warn('LAN sign-in failed: wrong password', { address });
      await this.page(req, res, 401, { kind: 'error', text: record ? 'That password is not right. Check it and try again.' : 'No password is set yet, so nobody can sign in.' });
      return true;
    }
    const id = randomBytes(32).toString('base64url');
    const now = this.o.clock.now();
    this.sessions.set(hashId(id), { created: now, used: now, address: plainAddress(address) });
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.log.info('signed in to the dashboard from the local network', { address });
    return see(res, '/', [this.cookie(req, id, SESSION_MAX_MS / 1000)]);
  }

  /** The key of this request's live session (from its cookie, and from the address that signed in), or undefined. */
  private sessionKey(req: IncomingMessage): string | undefined {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!id) return undefined;
    const key = hashId(id);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    if (!this.live(s)) {
      this.sessions.delete(key);
      return undefined;
    }
    return s.address === plainAddress(req.socket.remoteAddress ?? '') ? key : undefined;
  }

  private live(s: Session): boolean {
    const now = this.o.clock.now();
    return now - s.used < SESSION_IDLE_MS && now - s.created < SESSION_MAX_MS;
  }

  private cookie(req: IncomingMessage, value: string, maxAge: number): string {
    const secure = (req.socket as TLSSocket).encrypted ? '; Secure' : '';
    return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure}`;
  }

  private async page(req: IncomingMessage, res: ServerResponse, status: number, notice?: { kind: 'error' | 'info'; text: string }, extra: Record<string, string> = {}): Promise<void> {
    const signedOut = new URL(req.url ?? '/', 'http://x').searchParams.has('signed-out');
    const html = loginPage({
      host: (req.headers.host ?? '').toLowerCase(),
      notice: notice ?? (signedOut ? { kind: 'info', text: 'You are signed out.' } : undefined),
      noPassword: (await this.o.password()) === undefined,
    });
    // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with the form, which the Origin check must refuse.
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Security-Policy': LOGIN_PAGE_CSP, 'Referrer-Policy': 'same-origin', 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(html), ...extra });
    res.end(req.method === 'HEAD' ? undefined : html);
  }
}

/** 303 See Other to `location` (a form POST becomes a GET there), with cookies to set. */
function see(res: ServerResponse, location: string, cookies: string[] = []): true {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0, ...(cookies.length ? { 'Set-Cookie': cookies } : {}) });
  res.end();
  return true;
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
