/**
 * One interface for the DNS services Portico writes to: TXT records for the ACME dns-01
 * challenge, and A/AAAA records for dynamic DNS. Implementations: Cloudflare (API token),
 * DuckDNS (token), RFC 2136 (DNS UPDATE signed with TSIG, spoken directly over UDP/TCP).
 */
import type { DnsProviderConfig } from '../../shared/config.ts';
import type { AppError, Result } from '../../shared/result.ts';
import type { Logger } from '../support/logger.ts';
import { Cloudflare } from './cloudflare.ts';
import { DuckDns } from './duckdns.ts';
import { Rfc2136 } from './rfc2136.ts';

/** A failure the caller can act on; `retryable: false` means trying again cannot help (bad token, refused). */
export interface DnsError extends AppError { retryable: boolean }

export interface DnsProvider {
  readonly kind: DnsProviderConfig['kind'];
  /** Add `value` to the TXT records of `name` (a full name without trailing dot), keeping other values. */
  addTxt(name: string, value: string): Promise<Result<void, DnsError>>;
  /** Remove exactly that TXT value of `name`; removing a value that is not there is not an error. */
  removeTxt(name: string, value: string): Promise<Result<void, DnsError>>;
  /** Make `values` the only A (or AAAA) records of `name` (dynamic DNS). */
  setAddresses(name: string, type: 'A' | 'AAAA', values: string[]): Promise<Result<void, DnsError>>;
}

export function createDnsProvider(config: DnsProviderConfig, logger: Logger): DnsProvider {
  switch (config.kind) {
    case 'cloudflare': return new Cloudflare(config, logger);
    case 'duckdns': return new DuckDns(config, logger);
    case 'rfc2136': return new Rfc2136(config, logger);
  }
}
