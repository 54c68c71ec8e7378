/**
 * plex.tv API client: PIN sign-in, token check, the server list (plex-api.md section 5).
 * Every call carries the client identifier and product and asks for JSON with exactly
 * `Accept: application/json` (anything else gets XML).
 */
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import { STRONG_PIN_LIFETIME_SECONDS } from '../../shared/plex-words.ts';
import { systemClock, type Clock } from '../support/clock.ts';
import { httpText, type HttpText, type HttpTextResponse } from '../support/http-text.ts';

export interface PlexPin { id: number; code: string; expiresAt: string }
export type PinPoll = { state: 'waiting' } | { state: 'expired' } | { state: 'linked'; token: string };

export interface PlexUser { id: number; username: string; email: string }

export interface PlexConnection { protocol: string; address: string; port: number; uri: string; local: boolean; relay: boolean }
export interface PlexResource {
  name: string;
  clientIdentifier: string;
  provides: string;
  owned: boolean;
  accessToken: string | null;
  connections: PlexConnection[];
}

export interface PlexTvClientOptions {
  baseUrl?: string;
  clientIdentifier: string;
  product?: string;
  version?: string;
  http?: HttpText;
  clock?: Clock;
  timeoutMs?: number;
}

const PLEX_TV = 'https://plex.tv';
const PLEX_AUTH_APP = 'https://app.plex.tv/auth';

export class PlexTvClient {
  readonly baseUrl: string;
  private readonly clientIdentifier: string;
  private readonly product: string;
  private readonly version: string | undefined;
  private readonly http: HttpText;
  private readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(opts: PlexTvClientOptions) {
    this.baseUrl = (opts.baseUrl ?? PLEX_TV).replace(/\/+$/, '');
    this.clientIdentifier = opts.clientIdentifier;
    this.product = opts.product ?? 'Portico';
    this.version = opts.version;
    this.http = opts.http ?? httpText;
    this.clock = opts.clock ?? systemClock;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** A strong PIN (25-character code, STRONG_PIN_LIFETIME_SECONDS) — the kind that needs no typing by the user. */
  async createPin(): Promise<Result<PlexPin>> {
    const r = await this.request('POST', '/api/v2/pins?strong=true');
    if (!r.ok) return r;
    if (r.value.status !== 201 && r.value.status !== 200) return err(this.statusError('create a sign-in PIN', r.value.status));
    const p = r.value.json as { id?: number; code?: string; expiresAt?: string; expiresIn?: number };
    if (typeof p?.id !== 'number' || typeof p.code !== 'string') return err(this.unexpected('the sign-in PIN'));
    const expiresAt = p.expiresAt ?? new Date(this.clock.now() + (p.expiresIn ?? STRONG_PIN_LIFETIME_SECONDS) * 1000).toISOString();
    return ok({ id: p.id, code: p.code, expiresAt });
  }

  /** Where the user approves the PIN in their browser. */
  authUrl(pin: Pick<PlexPin, 'code'>): string {
    const q = new URLSearchParams({ clientID: this.clientIdentifier, code: pin.code, 'context[device][product]': this.product });
    return `${PLEX_AUTH_APP}#?${q.toString()}`;
  }

  /** Has the user approved the PIN yet? Expired shows either as an error status (404) or a lapsed expiresAt. */
  async pollPin(id: number): Promise<Result<PinPoll>> {
    const r = await this.request('GET', `/api/v2/pins/${id}`);
    if (!r.ok) return r;
    if (r.value.status === 404 || r.value.status === 410) return ok({ state: 'expired' });
    if (r.value.status !== 200) return err(this.statusError('check the sign-in PIN', r.value.status));
    const p = r.value.json as { authToken?: string | null; expiresAt?: string; expiresIn?: number };
    if (typeof p?.authToken === 'string' && p.authToken !== '') return ok({ state: 'linked', token: p.authToken });
    const lapsed = (p?.expiresIn !== undefined && p.expiresIn <= 0) || (p?.expiresAt !== undefined && Date.parse(p.expiresAt) <= this.clock.now());
    return ok({ state: lapsed ? 'expired' : 'waiting' });
  }

  /** GET /api/v2/user: 200 = the token is valid, 401 = expired or revoked. */
  async user(token: string): Promise<Result<PlexUser>> {
    const r = await this.request('GET', '/api/v2/user', token);
    if (!r.ok) return r;
    if (r.value.status === 401) return err(tokenInvalid());
    if (r.value.status !== 200) return err(this.statusError('check the Plex token', r.value.status));
    const u = r.value.json as { id?: number; username?: string; email?: string };
    return ok({ id: Number(u?.id ?? 0), username: String(u?.username ?? ''), email: String(u?.email ?? '') });
  }

  /** The servers (and players) this account can see, with their published connections. */
  async resources(token: string): Promise<Result<PlexResource[]>> {
    const r = await this.request('GET', '/api/v2/resources?includeHttps=1&includeRelay=1', token);
    if (!r.ok) return r;
    if (r.value.status === 401) return err(tokenInvalid());
    if (r.value.status !== 200) return err(this.statusError('list your Plex servers', r.value.status));
    if (!Array.isArray(r.value.json)) return err(this.unexpected('the server list'));
    return ok((r.value.json as Record<string, unknown>[]).map((x) => ({
      name: String(x.name ?? ''),
      clientIdentifier: String(x.clientIdentifier ?? ''),
      provides: String(x.provides ?? ''),
      owned: x.owned === true,
      accessToken: typeof x.accessToken === 'string' ? x.accessToken : null,
      connections: (Array.isArray(x.connections) ? x.connections as Record<string, unknown>[] : []).map((c) => ({
        protocol: String(c.protocol ?? ''), address: String(c.address ?? ''), port: Number(c.port ?? 0),
        uri: String(c.uri ?? ''), local: c.local === true, relay: c.relay === true,
      })),
    })));
  }

  private statusError(what: string, status: number): AppError {
    return {
      code: 'plextv-error',
      message: `plex.tv refused to ${what} (HTTP ${status}).`,
      fix: 'Try again in a few minutes; if it keeps failing, check https://status.plex.tv.',
    };
  }

  private unexpected(what: string): AppError {
    return { code: 'plextv-error', message: `plex.tv sent ${what} in a form Portico does not understand.`, fix: 'Update Portico, then try again.' };
  }

  private async request(method: string, path: string, token?: string): Promise<Result<{ status: number; json: unknown }>> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-Plex-Client-Identifier': this.clientIdentifier,
      'X-Plex-Product': this.product,
    };
    if (this.version) headers['X-Plex-Version'] = this.version;
    if (token) headers['X-Plex-Token'] = token;
    let res: HttpTextResponse;
    try {
      res = await this.http(this.baseUrl + path, { method, headers, timeoutMs: this.timeoutMs });
    } catch (e) {
      return err({
        code: 'plextv-unreachable',
        message: `plex.tv is not reachable from this computer (${(e as Error).message}), so Portico cannot sign in or check your servers.`,
        fix: 'Check the internet connection (and any firewall or proxy that blocks plex.tv), then try again.',
      });
    }
    let json: unknown = null;
    if (res.body && (res.headers['content-type'] ?? '').includes('json')) {
      try { json = JSON.parse(res.body); } catch { json = null; }
    }
    return ok({ status: res.status, json });
  }
}

function tokenInvalid(): AppError {
  return {
    code: 'plex-token-rejected',
    message: 'plex.tv says the Plex token is not valid (401): it has expired or was signed out.',
    fix: 'Sign in to Plex again from Portico (Plex > Sign in).',
  };
}
