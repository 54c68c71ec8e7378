import type { DnsProviderConfig } from '../../shared/config.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { Logger } from '../support/logger.ts';
import { httpText, type HttpTextResponse } from '../support/http-text.ts';
import type { DnsError, DnsProvider } from './dns-provider.ts';

type DuckDnsConfig = Extract<DnsProviderConfig, { kind: 'duckdns' }>;

const DUCKDNS_API = 'https://www.duckdns.org';
const TIMEOUT_MS = 15_000;

/**
 * DuckDNS through its one documented endpoint, GET /update (https://www.duckdns.org/spec.jsp):
 * `domains`, `token`, and `txt` / `ip` / `ipv6` / `clear=true`; the body is `OK` or `KO`.
 * DuckDNS keeps ONE TXT value per domain (shared by all its subnames), so two dns-01 values at
 * once are impossible: the issuer validates names one after another.
 */
export class DuckDns implements DnsProvider {
  readonly kind = 'duckdns' as const;
  private readonly base: string;
  private readonly token: string;
  private readonly logger: Logger;

  constructor(cfg: DuckDnsConfig, logger: Logger) {
    this.base = (cfg.apiBase ?? DUCKDNS_API).replace(/\/+$/, '');
    this.token = cfg.token;
    this.logger = logger.child('duckdns');
    this.logger.addSecret(cfg.token);
  }

  /** `_acme-challenge.plex.me.duckdns.org` -> `me` (DuckDNS answers for every name under its subdomain). */
  private subdomain(name: string): Result<string, DnsError> {
    const m = /(?:^|\.)([a-z0-9-]+)\.duckdns\.org\.?$/i.exec(name);
    if (!m) return err({ code: 'dns-not-in-zone', retryable: false, message: `${name} is not a duckdns.org name, so DuckDNS cannot set its records`, fix: 'use a name ending in .duckdns.org, or another DNS provider' });
    return ok(m[1]!.toLowerCase());
  }

  private async update(name: string, params: Record<string, string>): Promise<Result<void, DnsError>> {
    const sub = this.subdomain(name);
    if (!sub.ok) return sub;
    const q = new URLSearchParams({ domains: sub.value, token: this.token, ...params });
    let res: HttpTextResponse;
    try {
      res = await httpText(`${this.base}/update?${q.toString()}`, { timeoutMs: TIMEOUT_MS });
    } catch (e) {
      return err({ code: 'dns-unreachable', retryable: true, message: `DuckDNS did not answer at ${this.base} (${(e as Error).message})`, fix: 'check the internet connection; Portico tries again' });
    }
    const body = res.body.trim();
    if (res.status >= 500 || res.status === 429) return err({ code: 'dns-provider-unavailable', retryable: true, message: `DuckDNS is failing (HTTP ${res.status})`, fix: 'nothing to do; Portico tries again later' });
    if (res.ok && body.split('\n')[0] === 'OK') return ok(undefined);
    if (res.ok && body.split('\n')[0] === 'KO') {
      return err({ code: 'dns-bad-credentials', retryable: false, message: `DuckDNS refused the update for ${sub.value}.duckdns.org (KO): the token is wrong or the subdomain is not in this account`, fix: 'copy the token from the top of your duckdns.org page into dns.provider.token and check the domain name' });
    }
    return err({ code: 'dns-provider-error', retryable: false, message: `DuckDNS answered HTTP ${res.status} with an unexpected body`, fix: 'check dns.provider.apiBase (leave it unset for duckdns.org)' });
  }

  addTxt(name: string, value: string) {
    return this.update(name, { txt: value, verbose: 'true' });
  }

  removeTxt(name: string, _value: string) {
    return this.update(name, { txt: '', clear: 'true', verbose: 'true' });
  }

  async setAddresses(name: string, type: 'A' | 'AAAA', values: string[]): Promise<Result<void, DnsError>> {
    if (values.length > 1) return err({ code: 'dns-bad-record', retryable: false, message: `DuckDNS holds one ${type} address per name, not ${values.length}`, fix: 'give a single address' });
    if (values.length === 0) return err({ code: 'dns-bad-record', retryable: false, message: `DuckDNS cannot remove only the ${type} record (clear=true removes both)`, fix: 'give an address to set' });
    return this.update(name, { [type === 'A' ? 'ip' : 'ipv6']: values[0]!, verbose: 'true' });
  }
}
