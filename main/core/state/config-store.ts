import { readFile } from 'node:fs/promises';
import type { ConfigPatch, ConfigView } from '../../shared/api.ts';
import { LETS_ENCRYPT_STAGING, parseConfig, type Config, type ConfigProblem, type DnsProviderConfig } from '../../shared/config.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { privateIpv4Addresses } from '../support/lan-addresses.ts';
import { Emitter } from '../support/emitter.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import { migrateConfigDocument } from './config-migrations.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { DNS_PROVIDER_SECRET_FIELDS } from '../../shared/secret-fields.ts';

/** In the config file, a secret kept in the SecretStore is written as this prefix plus its name. */
const SECRET_REF = '@secret:';

/** The secret fields of each DNS provider: these never stay in the config file once Portico writes it. */
const PROVIDER_SECRETS: Record<DnsProviderConfig['kind'], readonly string[]> = DNS_PROVIDER_SECRET_FIELDS;

export type LoadedConfigValue = Config & { dataDir: string };
type Doc = Record<string, unknown>;
export type ConfigUpdateError = AppError & { problems?: ConfigProblem[] };

export interface ConfigStoreOptions {
  /** The config JSON document (`portico serve --config FILE`). */
  path: string;
  /** Resolved data directory (the config may leave it null for the per-OS default). */
  dataDir: string;
  secrets: SecretStore;
  /** This machine's LAN address for the manual router rows; defaults to the first private IPv4. */
  lanAddress?: () => string | null;
  /** [true] false for the app and `portico serve`: no domain yet means "setup pending", not an error. */
  requireDomains?: boolean;
  /** A missing file is an empty config (the app's first start), written on the first change. */
  missingOk?: boolean;
}

/**
 * The config document on disk, read and patched by the UI. The file keeps what the user wrote
 * (no defaults filled in); every change is validated with the shared schema before anything is
 * written, and written atomically. DNS provider secrets move into the SecretStore: the file holds
 * a reference, and the UI only ever learns whether a provider is configured.
 */
export class ConfigStore {
  private readonly opts: ConfigStoreOptions;
  private doc: Doc;
  private current: LoadedConfigValue;
  /** A failing listener must not undo a saved change. */
  private readonly changes = new Emitter<LoadedConfigValue>('config change');
  private readonly updates = new SerialQueue();

  private constructor(opts: ConfigStoreOptions, doc: Doc, current: LoadedConfigValue) {
    this.opts = opts;
    this.doc = doc;
    this.current = current;
  }

  /** Read and validate the file, resolving secret references. Problems are returned one per key. */
  static async open(opts: ConfigStoreOptions): Promise<Result<ConfigStore, ConfigProblem[]>> {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(opts.path, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && opts.missingOk) doc = {};
      else return err([{ key: '(file)', message: `cannot read ${opts.path} (${code ?? (e as Error).message}); check the path and that it is valid JSON` }]);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return err([{ key: '(root)', message: 'the config must be a JSON object like {"domains": ["plex.example.com"]}' }]);
    // Older documents become current here, for the app and `serve` alike; the next save writes them so.
    const migrated = migrateConfigDocument(doc as Doc);
    if (migrated.kind === 'too-new') return err([migrated.problem]);
    doc = migrated.doc;
    const resolved = await resolveSecrets(doc as Doc, opts.secrets, new Map());
    if (!resolved.ok) return resolved;
    const parsed = parseConfig(resolved.value, { requireDomains: opts.requireDomains ?? true });
    if (!parsed.ok) return parsed;
    return ok(new ConfigStore(opts, doc as Doc, { ...parsed.value, dataDir: opts.dataDir }));
  }

  /** The validated config with secrets resolved (for the service, never for the UI). */
  get(): LoadedConfigValue {
    return structuredClone(this.current);
  }

  view(): ConfigView {
    const c = this.current;
    const lan = this.opts.lanAddress ?? defaultLanAddress;
    return {
      domains: [...c.domains],
      door: { httpsPorts: [...c.door.httpsPorts], httpPort: c.door.httpPort, publicHttpsPort: c.door.publicHttpsPort, hsts: c.door.hsts },
      acme: {
        directoryUrl: c.acme.directoryUrl, email: c.acme.email, challenge: c.acme.challenge, staging: isStagingDirectory(c.acme.directoryUrl),
        eabKid: c.acme.eab?.kid ?? null, eabConfigured: !!c.acme.eab?.hmacKey,
      },
      dns: { provider: c.dns.provider?.kind ?? null, providerConfigured: providerConfigured(c.dns.provider), ddns: c.dns.ddns },
      router: { mode: c.router.mode, mapPlexPort: c.router.mapPlexPort },
      plex: { url: c.plex.url },
      routes: c.routes.map((r) => ({ ...r })),
      publicIp: { lookup: c.publicIp.lookup, services: [...(c.publicIp.stunServer ? [c.publicIp.stunServer] : []), ...c.publicIp.httpEndpoints.map(hostOf)] },
      alerts: {
        webhook: c.alerts.webhook ? { host: hostOf(c.alerts.webhook) } : null,
        ntfy: c.alerts.ntfy ? { host: hostOf(c.alerts.ntfy.url), token: !!c.alerts.ntfy.token } : null,
      },
      lanAddress: lan(),
    };
  }

  /** Apply a patch: validate, store secrets, write the file, tell listeners. Nothing is written if invalid. */
  update(patch: ConfigPatch): Promise<Result<ConfigView, ConfigUpdateError>> {
    return this.updates.run(() => this.applyPatch(patch));
  }

  /**
   * Turn the dashboard on the local network on or off. Not part of ConfigPatch: only the headless
   * dashboard, which first checks that a password is set, turns it on.
   */
  setUiLanEnabled(enabled: boolean): Promise<Result<ConfigView, ConfigUpdateError>> {
    return this.updates.run(() => this.applyPatch({}, (doc) => {
      const ui = isDoc(doc.ui) ? doc.ui : (doc.ui = {});
      const lan = isDoc(ui.lan) ? ui.lan : (ui.lan = {});
      lan.enabled = enabled;
    }));
  }

  onDidChange(fn: (c: LoadedConfigValue) => void): () => void {
    return this.changes.on(fn);
  }

  private async applyPatch(patch: ConfigPatch, edit?: (doc: Doc) => void): Promise<Result<ConfigView, ConfigUpdateError>> {
    if (typeof patch !== 'object' || patch === null) return err({ code: 'config-invalid', message: 'The settings were not saved: the change must be an object.', fix: 'Reload the page and try again.' });
    const doc = structuredClone(this.doc);
    edit?.(doc);
    const pending = new Map<string, string>();
    const section = (k: string): Doc => {
      const v = doc[k];
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Doc;
      return (doc[k] = {}) as Doc;
    };
    if (patch.domains !== undefined) doc.domains = patch.domains;
    if (patch.acme) {
      const a = section('acme');
      for (const k of ['email', 'challenge', 'directoryUrl'] as const) if (patch.acme[k] !== undefined) a[k] = patch.acme[k];
      if (patch.acme.eab !== undefined) a.eab = patch.acme.eab === null ? null : this.eabToDoc(patch.acme.eab, pending);
    }
    if (patch.dns) {
      const d = section('dns');
      if (patch.dns.ddns !== undefined) d.ddns = patch.dns.ddns;
      if (patch.dns.provider !== undefined) {
        d.provider = patch.dns.provider === null ? null : this.providerToDoc(patch.dns.provider, pending);
      }
    }
    if (patch.router) {
      const r = section('router');
      if (patch.router.mode !== undefined) r.mode = patch.router.mode;
      if (patch.router.mapPlexPort !== undefined) r.mapPlexPort = patch.router.mapPlexPort;
    }
    if (patch.door) {
      const d = section('door');
      for (const k of ['publicHttpsPort', 'httpsPorts', 'hsts'] as const) if (patch.door[k] !== undefined) d[k] = patch.door[k];
    }
    if (patch.plex?.url !== undefined) section('plex').url = patch.plex.url;
    if (patch.routes !== undefined) doc.routes = patch.routes;
    if (patch.publicIp?.lookup !== undefined) {
      const p = section('publicIp');
      p.lookup = patch.publicIp.lookup;
      if (!patch.publicIp.lookup) { delete p.stunServer; delete p.httpEndpoints; }
    }
    if (patch.alerts) this.patchAlerts(section('alerts'), patch.alerts);
    // Also move secrets a person typed into the file by hand, now that we are rewriting it.
    const dnsDoc = doc.dns as Doc | undefined;
    if (typeof dnsDoc?.provider === 'object' && dnsDoc.provider !== null) dnsDoc.provider = this.providerToDoc(dnsDoc.provider as DnsProviderConfig, pending);
    const acmeDoc = doc.acme as Doc | undefined;
    if (typeof acmeDoc?.eab === 'object' && acmeDoc.eab !== null) acmeDoc.eab = this.eabToDoc(acmeDoc.eab as { kid: string; hmacKey: string }, pending);
    alertsToDoc(doc.alerts, pending);

    const resolved = await resolveSecrets(doc, this.opts.secrets, pending);
    const parsed = resolved.ok ? parseConfig(resolved.value, { requireDomains: this.opts.requireDomains ?? true }) : resolved;
    if (!parsed.ok) {
      const first = parsed.error[0];
      return err({
        code: 'config-invalid',
        message: `The settings were not saved: ${first ? `${first.key} ${first.message}` : 'the change is not valid'}.`,
        fix: 'Correct the fields named here and save again; your previous settings are still in effect.',
        problems: parsed.error,
      });
    }
    for (const [name, value] of pending) await this.opts.secrets.set(name, value);
    await writeFileAtomic(this.opts.path, JSON.stringify(doc, null, 2) + '\n', 0o600);
    this.doc = doc;
    this.current = { ...parsed.value, dataDir: this.opts.dataDir };
    this.changes.emit(this.get());
    return ok(this.view());
  }

  /** The EAB binding as written to the file: the HMAC key becomes a reference; an empty one keeps the stored key. */
  private eabToDoc(e: { kid: string; hmacKey: string }, pending: Map<string, string>): Doc {
    const name = 'acme.eab.hmacKey';
    const v = e.hmacKey;
    if (typeof v === 'string' && v !== '' && !v.startsWith(SECRET_REF)) {
      pending.set(name, v);
      return { kid: e.kid, hmacKey: SECRET_REF + name };
    }
    return { kid: e.kid, hmacKey: (v === '' || v === undefined) && this.current.acme.eab ? SECRET_REF + name : v };
  }

  /** An empty or left-out URL or token keeps the stored one: the UI never has it to resend. */
  private patchAlerts(a: Doc, p: NonNullable<ConfigPatch['alerts']>): void {
    if (p.webhook !== undefined && p.webhook !== '') a.webhook = p.webhook;
    if (p.ntfy === null) a.ntfy = null;
    else if (p.ntfy) {
      const had = this.current.alerts.ntfy;
      const prev = typeof a.ntfy === 'object' && a.ntfy !== null ? (a.ntfy as Doc) : {};
      const url = p.ntfy.url || (had ? prev.url : undefined);
      const token = p.ntfy.token === null ? null : p.ntfy.token || (had ? prev.token ?? null : null);
      a.ntfy = { url, token };
    }
  }

  /**
   * Provider as written to the file: secret fields become references, their values go to `pending`.
   * An empty secret for the same provider kind keeps the stored one (the UI never has it to resend).
   */
  private providerToDoc(p: DnsProviderConfig, pending: Map<string, string>): Doc {
    const out: Doc = { ...p };
    const fields = PROVIDER_SECRETS[p.kind] ?? [];
    const sameKind = this.current.dns.provider?.kind === p.kind;
    for (const f of fields) {
      const name = `dns.${p.kind}.${f}`;
      const v = out[f];
      if (typeof v === 'string' && v !== '' && !v.startsWith(SECRET_REF)) {
        pending.set(name, v);
        out[f] = SECRET_REF + name;
      } else if ((v === undefined || v === '') && sameKind) {
        out[f] = SECRET_REF + name;
      }
    }
    return out;
  }
}

/** The alert channels' secrets (webhook URL, ntfy topic URL and token) as references; their values go to `pending`. */
function alertsToDoc(alerts: unknown, pending: Map<string, string>): void {
  if (!isDoc(alerts)) return;
  const move = (obj: Doc, key: string, name: string) => {
    const v = obj[key];
    if (typeof v === 'string' && v !== '' && !v.startsWith(SECRET_REF)) {
      pending.set(name, v);
      obj[key] = SECRET_REF + name;
    }
  };
  move(alerts, 'webhook', 'alerts.webhook');
  if (isDoc(alerts.ntfy)) {
    move(alerts.ntfy, 'url', 'alerts.ntfy.url');
    move(alerts.ntfy, 'token', 'alerts.ntfy.token');
  }
}

/** A copy of the document with every `@secret:` reference replaced by its value. */
async function resolveSecrets(doc: Doc, store: SecretStore, pending: Map<string, string>): Promise<Result<Doc, ConfigProblem[]>> {
  const copy = structuredClone(doc);
  const dns = copy.dns as Doc | undefined;
  const acme = isDoc(copy.acme) ? copy.acme : undefined;
  const alerts = isDoc(copy.alerts) ? copy.alerts : undefined;
  // Each object that may hold references, with its key path and where the user enters the value again.
  const holders: [Doc | undefined, string, string][] = [
    [dns && isDoc(dns.provider) ? dns.provider : undefined, 'dns.provider', 'in the Domain step'],
    [acme && isDoc(acme.eab) ? acme.eab : undefined, 'acme.eab', 'in Settings (Advanced: certificate authority)'],
    [alerts, 'alerts', 'in the dashboard\'s Alerts card'],
    [alerts && isDoc(alerts.ntfy) ? alerts.ntfy : undefined, 'alerts.ntfy', 'in the dashboard\'s Alerts card'],
  ];
  const problems: ConfigProblem[] = [];
  for (const [holder, path, where] of holders) {
    for (const [k, v] of Object.entries(holder ?? {})) {
      if (typeof v !== 'string' || !v.startsWith(SECRET_REF)) continue;
      const name = v.slice(SECRET_REF.length);
      const value = pending.get(name) ?? (await store.get(name));
      if (value === undefined) problems.push({ key: `${path}.${k}`, message: `refers to the stored secret "${name}", which is missing from the secret store; enter the ${k} again ${where}` });
      else holder![k] = value;
    }
  }
  return problems.length ? err(problems) : ok(copy);
}

function isDoc(x: unknown): x is Doc {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A URL's host for the UI (the rest of an alert URL is the secret). */
function hostOf(url: string): string {
  try { return new URL(url).host; } catch { return '?'; }
}

function providerConfigured(p: DnsProviderConfig | null): boolean {
  if (!p) return false;
  return (PROVIDER_SECRETS[p.kind] ?? []).every((f) => typeof (p as unknown as Doc)[f] === 'string' && (p as unknown as Doc)[f] !== '');
}

function isStagingDirectory(url: string): boolean {
  return url === LETS_ENCRYPT_STAGING || /staging/i.test(new URL(url).hostname);
}

function defaultLanAddress(): string | null {
  return privateIpv4Addresses()[0] ?? null;
}
