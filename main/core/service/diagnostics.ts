import type { Diagnostics, EventRecord } from '../../shared/api.ts';
import type { Config } from '../../shared/config.ts';
import type { AppStatus } from '../../shared/status.ts';
import type { Finding } from '../../shared/status/router.ts';
import { Redactor, REDACTED } from '../support/logger.ts';
import { ALL_DNS_SECRET_FIELDS, alertSecretValues } from '../../shared/secret-fields.ts';

export interface DiagnosticsInput {
  status: AppStatus;
  /** The resolved config, secrets included: they are removed here. */
  config: Config;
  events: EventRecord[];
  findings: Finding[];
  versions: Record<string, string>;
  now: number;
  /** Further secret values known to the caller (e.g. the UI token, a signed-in Plex token). */
  secrets?: (string | null | undefined)[];
}

/** The secret values a resolved config holds: the Plex token, the EAB key, the DNS provider's token or key, the alert channels. */
export function configSecrets(c: Config): string[] {
  const provider = (c.dns.provider ?? {}) as Record<string, unknown>;
  return [c.plex.token, c.acme.eab?.hmacKey, ...ALL_DNS_SECRET_FIELDS.map((k) => provider[k]), ...alertSecretValues(c.alerts)].filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * The bundle a user attaches to a bug report: what the dashboard knows, with every secret gone.
 * Secrets are removed twice: by key (config fields that hold secrets, anything named like a token)
 * and by value (every known secret string is masked wherever it appears, even inside messages).
 */
export function buildDiagnostics(input: DiagnosticsInput): Diagnostics {
  const red = new Redactor();
  const c = input.config;
  for (const s of [...configSecrets(c), ...(input.secrets ?? [])]) red.add(s);
  const config = structuredClone(c) as Config;
  if (config.plex.token) config.plex.token = REDACTED;
  if (config.acme.eab) config.acme.eab = { kid: REDACTED, hmacKey: REDACTED };
  if (config.dns.provider) {
    const p = config.dns.provider as unknown as Record<string, unknown>;
    for (const k of ALL_DNS_SECRET_FIELDS) if (k in p) p[k] = REDACTED;
  }
  const bundle = {
    generatedAt: new Date(input.now).toISOString(),
    versions: input.versions,
    status: input.status,
    findings: input.findings,
    config,
    events: input.events,
  };
  const content = red.text(JSON.stringify(red.value(bundle, -20 /* Redactor stops masking keys 5 levels down; the bundle is deeper */), null, 2)) + '\n';
  const stamp = new Date(input.now).toISOString().replace(/[:.]/g, '-');
  return { filename: `portico-diagnostics-${stamp}.json`, content };
}
