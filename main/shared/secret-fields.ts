/**
 * Which config fields hold secrets: the config store moves these into the secret store, the
 * diagnostics bundle masks them. One table, typed so a new DNS provider must list its secret
 * fields here before it compiles; the two copies had to be kept in step by hand.
 */
import type { Config, DnsProviderConfig } from './config.ts';

type Kind = DnsProviderConfig['kind'];
type FieldsOf<K extends Kind> = Exclude<keyof Extract<DnsProviderConfig, { kind: K }>, 'kind'>;

export const DNS_PROVIDER_SECRET_FIELDS: { readonly [K in Kind]: readonly FieldsOf<K>[] } = {
  cloudflare: ['apiToken'],
  duckdns: ['token'],
  rfc2136: ['keySecret'],
};

/** Every provider's secret field names (masked by name in any provider, whatever its kind). */
export const ALL_DNS_SECRET_FIELDS: readonly string[] = [...new Set(Object.values(DNS_PROVIDER_SECRET_FIELDS).flat())];

/**
 * The alert channels' secret values: a webhook URL is a credential (whoever has it can post), an
 * ntfy topic URL is one on a public server, and so is its access token.
 */
export function alertSecretValues(a: Config['alerts']): string[] {
  return [a.webhook, a.ntfy?.url, a.ntfy?.token].filter((v): v is string => typeof v === 'string' && v !== '');
}
