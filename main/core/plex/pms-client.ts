/**
 * Client for the local Plex Media Server API (shared/reference/plex-api.md sections 1 and 3).
 * Every method returns a Result whose error says what failed, why and what to do; the token
 * never appears in an error.
 */
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import { findAll, parseXml, type XmlElement } from '../support/xml.ts';
import { httpText, type HttpText, type HttpTextResponse } from '../support/http-text.ts';

export type PrefType = 'bool' | 'int' | 'double' | 'text';
export type PrefValue = boolean | number | string;

export interface PmsSetting {
  id: string;
  label: string;
  summary: string;
  type: PrefType;
  default: PrefValue;
  value: PrefValue;
  hidden: boolean;
  advanced: boolean;
  group: string;
  enumValues?: string;
}

export interface PmsIdentity { machineIdentifier: string; version: string; claimed: boolean; apiVersion?: string }

export interface MyPlexAccount {
  username: string;
  mappingState: string;
  mappingError: string;
  mappingErrorMessage: string;
  signInState: string;
  publicAddress: string;
  publicPort: string;
}

export interface PmsClientOptions { http?: HttpText; timeoutMs?: number; clientIdentifier?: string }

/** PMS spells bools 1/0 in XML and the wire, true/false in JSON and some renderings; accept all. */
function parseBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return undefined;
}

function coercePref(type: PrefType, raw: unknown): PrefValue {
  if (type === 'bool') return parseBool(raw) ?? false;
  if (type === 'int' || type === 'double') {
    const n = typeof raw === 'number' ? raw : Number(raw);
    return Number.isFinite(n) ? n : 0;
  }
  return raw == null ? '' : String(raw);
}

/** How a value goes on the wire: bools as 1/0 (the spelling every PMS version accepts). */
export function encodePref(v: PrefValue): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

const PREF_TYPES = new Set<PrefType>(['bool', 'int', 'double', 'text']);

function settingFrom(a: Record<string, unknown>): PmsSetting | undefined {
  const type = String(a.type ?? 'text') as PrefType;
  if (typeof a.id !== 'string' || !PREF_TYPES.has(type)) return undefined;
  const s: PmsSetting = {
    id: a.id,
    label: String(a.label ?? a.id),
    summary: String(a.summary ?? ''),
    type,
    default: coercePref(type, a.default),
    value: coercePref(type, a.value),
    hidden: parseBool(a.hidden) ?? false,
    advanced: parseBool(a.advanced) ?? false,
    group: String(a.group ?? ''),
  };
  if (a.enumValues !== undefined) s.enumValues = String(a.enumValues);
  return s;
}

/** The answer's document element when it is well-formed XML with the expected root; else why not. */
function pmsXml(body: string, root: string): XmlElement | string {
  let doc: XmlElement;
  try {
    doc = parseXml(body);
  } catch (e) {
    return (e as Error).message;
  }
  return doc.name === root ? doc : `its root element is <${doc.name}>, not <${root}>`;
}

/** PMS's /identity answer (also what the door check reads through the door); null when it is not one. */
export function parsePmsIdentity(body: string): PmsIdentity | null {
  const mc = pmsXml(body, 'MediaContainer');
  if (typeof mc === 'string' || !mc.attrs.machineIdentifier) return null;
  const a = mc.attrs;
  return { machineIdentifier: a.machineIdentifier!, version: a.version ?? '', claimed: parseBool(a.claimed) ?? false, ...(a.apiVersion !== undefined ? { apiVersion: a.apiVersion } : {}) };
}

export class PmsClient {
  readonly baseUrl: string;
  private readonly token: string | null;
  private readonly http: HttpText;
  private readonly timeoutMs: number;
  private readonly clientIdentifier: string | undefined;

  constructor(baseUrl: string, token: string | null, opts: PmsClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
    this.http = opts.http ?? httpText;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.clientIdentifier = opts.clientIdentifier;
  }

  /** GET /identity: needs no token, so it tells "PMS is there" apart from "the token is bad". */
  async identity(): Promise<Result<PmsIdentity>> {
    const r = await this.request('GET', '/identity', { auth: false });
    if (!r.ok) return r;
    const id = parsePmsIdentity(r.value.body);
    return id ? ok(id) : err(this.unexpected('/identity', 'it is not a MediaContainer with a machineIdentifier'));
  }

  /** Every setting the server lists. XML by default; `json` asks with `Accept: application/json`. */
  async getPrefs(form: 'xml' | 'json' = 'xml'): Promise<Result<PmsSetting[]>> {
    const r = await this.request('GET', '/:/prefs', { json: form === 'json' });
    if (!r.ok) return r;
    let raw: Record<string, unknown>[];
    if (form === 'json') {
      try {
        const doc = JSON.parse(r.value.body) as { MediaContainer?: { Setting?: Record<string, unknown>[] } };
        raw = doc.MediaContainer?.Setting ?? [];
      } catch {
        return err(this.unexpected('/:/prefs', 'the JSON answer could not be parsed'));
      }
    } else {
      const mc = pmsXml(r.value.body, 'MediaContainer');
      if (typeof mc === 'string') return err(this.unexpected('/:/prefs', mc));
      raw = findAll(mc, 'Setting').map((s) => s.attrs);
    }
    return ok(raw.map(settingFrom).filter((s): s is PmsSetting => s !== undefined));
  }

  /** One PUT that changes every given pref; PMS answers 400 if any name is unknown. */
  async setPrefs(values: Record<string, PrefValue>): Promise<Result<void>> {
    const names = Object.keys(values);
    if (names.length === 0) return ok(undefined);
    const q = new URLSearchParams();
    for (const n of names) q.set(n, encodePref(values[n]!));
    const r = await this.request('PUT', `/:/prefs?${q.toString()}`, { expect400: true });
    if (!r.ok) return r;
    if (r.value.status === 400) {
      return err({
        code: 'pms-unknown-pref',
        message: `Plex Media Server refused to change ${names.join(', ')}: it answered "400 ${r.value.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() || 'Bad Request'}" (one of these settings does not exist in this PMS version or a value is invalid).`,
        fix: 'Update Plex Media Server, or change the setting by hand in Plex Web (Settings > Network).',
      });
    }
    return ok(undefined);
  }

  /** GET /myplex/account: sign-in and remote-access mapping state as PMS sees it (root element <MyPlex>). */
  async account(): Promise<Result<MyPlexAccount>> {
    const r = await this.request('GET', '/myplex/account');
    if (!r.ok) return r;
    const doc = pmsXml(r.value.body, 'MyPlex');
    if (typeof doc === 'string') return err(this.unexpected('/myplex/account', doc));
    const a = doc.attrs;
    return ok({
      username: a.username ?? '',
      mappingState: a.mappingState ?? 'unknown',
      mappingError: a.mappingError ?? '',
      mappingErrorMessage: a.mappingErrorMessage ?? '',
      signInState: a.signInState ?? 'none',
      publicAddress: a.publicAddress ?? '',
      publicPort: a.publicPort ?? '',
    });
  }

  /** PUT /myplex/refreshReachability: PMS re-runs its mapping check; poll account() afterwards. */
  async refreshReachability(): Promise<Result<void>> {
    const r = await this.request('PUT', '/myplex/refreshReachability');
    return r.ok ? ok(undefined) : r;
  }

  private unexpected(path: string, why: string): AppError {
    return {
      code: 'pms-unexpected-answer',
      message: `The server at ${this.baseUrl} answered ${path}, but ${why}; it may not be Plex Media Server.`,
      fix: 'Check plex.url in the config points at Plex Media Server (usually http://127.0.0.1:32400).',
    };
  }

  private async request(method: string, path: string, o: { auth?: boolean; json?: boolean; expect400?: boolean } = {}): Promise<Result<{ status: number; body: string }>> {
    const auth = o.auth ?? true;
    if (auth && !this.token) {
      return err({
        code: 'plex-token-missing',
        message: `No Plex token is available, so Portico cannot read or change the settings of Plex Media Server at ${this.baseUrl}.`,
        fix: 'Sign in to Plex from Portico (Plex > Sign in), or run Portico on the machine where Plex Media Server is signed in.',
      });
    }
    const headers: Record<string, string> = { Accept: o.json ? 'application/json' : 'application/xml' };
    if (auth && this.token) headers['X-Plex-Token'] = this.token;
    if (this.clientIdentifier) { headers['X-Plex-Client-Identifier'] = this.clientIdentifier; headers['X-Plex-Product'] = 'Portico'; }
    let res: HttpTextResponse;
    try {
      res = await this.http(this.baseUrl + path, { method, headers, timeoutMs: this.timeoutMs });
    } catch (e) {
      return err({
        code: 'pms-not-running',
        message: `Plex Media Server is not answering at ${this.baseUrl} (${(e as Error).message}).`,
        fix: 'Start Plex Media Server (or check plex.url in the config), then try again.',
      });
    }
    const { body } = res;
    if (res.status === 401) {
      return err({
        code: 'plex-token-rejected',
        message: `Plex Media Server at ${this.baseUrl} rejected the Plex token (401 Unauthorized): the token has expired, was signed out, or belongs to another server.`,
        fix: 'Sign in to Plex again from Portico (Plex > Sign in) with the account that owns this server; if plex.token is set in the config, remove it.',
      });
    }
    if (res.status === 403) {
      return err({
        code: 'plex-not-owner',
        message: `Plex Media Server at ${this.baseUrl} refused the request (403 Forbidden): the Plex account signed in to Portico is not this server's owner or an admin.`,
        fix: "Sign in to Plex from Portico with the account that owns this server (the one shown under Settings > General in Plex Web).",
      });
    }
    if (res.status === 400 && o.expect400) return ok({ status: 400, body });
    if (res.status < 200 || res.status > 299) {
      return err({
        code: 'pms-error',
        message: `Plex Media Server at ${this.baseUrl} answered ${method} ${path.split('?')[0]} with ${res.status} ${res.statusText}.`,
        fix: 'Check that Plex Media Server is up to date and running normally (its logs are under "Plex Media Server/Logs"), then try again.',
      });
    }
    return ok({ status: res.status, body });
  }
}
