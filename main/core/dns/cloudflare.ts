import type { DnsProviderConfig } from '../../shared/config.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { Logger } from '../support/logger.ts';
import { httpText, type HttpTextResponse } from '../support/http-text.ts';
import type { DnsError, DnsProvider } from './dns-provider.ts';

type CloudflareConfig = Extract<DnsProviderConfig, { kind: 'cloudflare' }>;
interface CfRecord { id: string; type: string; name: string; content: string }
interface CfEnvelope<T> { success: boolean; errors: { code: number; message: string }[]; result: T }

const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';
const TIMEOUT_MS = 15_000;

/**
 * Cloudflare DNS through its v4 API with an API token (Zone:DNS:Edit). Requests used:
 * GET /zones?name=, GET/POST /zones/{id}/dns_records, PUT/DELETE /zones/{id}/dns_records/{rid}.
 */
export class Cloudflare implements DnsProvider {
  readonly kind = 'cloudflare' as const;
  private readonly base: string;
  private readonly token: string;
  private readonly logger: Logger;
  private readonly zoneId: string | undefined;
  /** Zone id per record name looked up: one certificate may span names in several zones. */
  private readonly zoneIds = new Map<string, string>();

  constructor(cfg: CloudflareConfig, logger: Logger) {
    this.base = (cfg.apiBase ?? CLOUDFLARE_API).replace(/\/+$/, '');
    this.token = cfg.apiToken;
    this.zoneId = cfg.zoneId;
    this.logger = logger.child('cloudflare');
    this.logger.addSecret(cfg.apiToken);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<Result<T, DnsError>> {
    let res: HttpTextResponse;
    try {
      res = await httpText(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        timeoutMs: TIMEOUT_MS,
      });
    } catch (e) {
      return err({ code: 'dns-unreachable', retryable: true, message: `Cloudflare's API did not answer at ${this.base} (${(e as Error).message})`, fix: 'check the internet connection; Portico tries again' });
    }
    let env: CfEnvelope<T> | undefined;
    try { env = JSON.parse(res.body) as CfEnvelope<T>; } catch { env = undefined; }
    if (res.ok && env?.success) return ok(env.result);
    const detail = env?.errors?.map((e) => `${e.code}: ${e.message}`).join('; ') || `HTTP ${res.status}`;
    if (res.status === 401 || res.status === 403 || env?.errors?.some((e) => e.code === 10000 || e.code === 9109)) {
      return err({ code: 'dns-bad-credentials', retryable: false, message: `Cloudflare rejected the API token (${detail})`, fix: 'create a Cloudflare API token with Zone:DNS:Edit permission for this zone and put it in dns.provider.apiToken' });
    }
    if (res.status === 429 || res.status >= 500) {
      return err({ code: 'dns-provider-unavailable', retryable: true, message: `Cloudflare's API is busy or failing (${detail})`, fix: 'nothing to do; Portico tries again later' });
    }
    return err({ code: 'dns-provider-error', retryable: false, message: `Cloudflare refused ${method} ${path.split('?')[0]} (${detail})`, fix: 'check the domain is in this Cloudflare account and the token covers its zone' });
  }

  /** The zone holding `name`: the longest suffix Cloudflare knows. */
  private async zone(name: string): Promise<Result<string, DnsError>> {
    if (this.zoneId) return ok(this.zoneId);
    const known = this.zoneIds.get(name);
    if (known) return ok(known);
    const labels = name.split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const candidate = labels.slice(i).join('.');
      const r = await this.call<{ id: string; name: string }[]>('GET', `/zones?name=${encodeURIComponent(candidate)}`);
      if (!r.ok) return r;
      if (r.value.length > 0) {
        this.zoneIds.set(name, r.value[0]!.id);
        return ok(r.value[0]!.id);
      }
    }
    return err({ code: 'dns-zone-not-found', retryable: false, message: `no Cloudflare zone in this account holds ${name}`, fix: 'add the domain to Cloudflare, or give the token access to its zone (or set dns.provider.zoneId)' });
  }

  /** The zone holding `name`, and the records of `type` that `name` has there. */
  private async records(type: string, name: string): Promise<Result<{ zone: string; records: CfRecord[] }, DnsError>> {
    const z = await this.zone(name);
    if (!z.ok) return z;
    const r = await this.call<CfRecord[]>('GET', `/zones/${z.value}/dns_records?type=${type}&name=${encodeURIComponent(name)}`);
    return r.ok ? ok({ zone: z.value, records: r.value }) : r;
  }

  async addTxt(name: string, value: string): Promise<Result<void, DnsError>> {
    const found = await this.records('TXT', name);
    if (!found.ok) return found;
    const { zone, records } = found.value;
    if (records.some((r) => unquote(r.content) === value)) return ok(undefined);
    const r = await this.call<CfRecord>('POST', `/zones/${zone}/dns_records`, { type: 'TXT', name, content: value, ttl: 60 });
    return r.ok ? ok(undefined) : r;
  }

  async removeTxt(name: string, value: string): Promise<Result<void, DnsError>> {
    const found = await this.records('TXT', name);
    if (!found.ok) return found;
    const { zone, records } = found.value;
    for (const rec of records.filter((x) => unquote(x.content) === value)) {
      const r = await this.call<{ id: string }>('DELETE', `/zones/${zone}/dns_records/${rec.id}`);
      if (!r.ok) return r;
    }
    return ok(undefined);
  }

  async setAddresses(name: string, type: 'A' | 'AAAA', values: string[]): Promise<Result<void, DnsError>> {
    const found = await this.records(type, name);
    if (!found.ok) return found;
    const { zone, records } = found.value;
    const keep = records.filter((r) => values.includes(r.content));
    const stale = records.filter((r) => !values.includes(r.content));
    const missing = values.filter((v) => !keep.some((r) => r.content === v));
    // Reuse stale records (PUT) before creating new ones, so the name never has zero records.
    for (const v of missing) {
      const old = stale.shift();
      const body = { type, name, content: v, ttl: 60, proxied: false };
      const r = old ? await this.call<CfRecord>('PUT', `/zones/${zone}/dns_records/${old.id}`, body) : await this.call<CfRecord>('POST', `/zones/${zone}/dns_records`, body);
      if (!r.ok) return r;
    }
    for (const old of stale) {
      const r = await this.call<{ id: string }>('DELETE', `/zones/${zone}/dns_records/${old.id}`);
      if (!r.ok) return r;
    }
    return ok(undefined);
  }
}

/** Cloudflare may return TXT content wrapped in quotes. */
function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}
