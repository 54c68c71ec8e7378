/**
 * The one configuration document: what `portico serve --config FILE` reads and what the Electron
 * app keeps in electron-store. Pure: validation returns every problem at once, each naming the key
 * and the fix, so the CLI can print one line per problem and exit 2.
 */
import { err, ok, type Result } from './result.ts';

export const CONFIG_SCHEMA_VERSION = 1;

export type ChallengeType = 'tls-alpn-01' | 'http-01' | 'dns-01';
export type ChallengeChoice = 'auto' | ChallengeType;
export type RouterMode = 'auto' | 'upnp' | 'natpmp' | 'pcp' | 'manual' | 'off';
export type KeyType = 'ecdsa-p256' | 'rsa-2048';

export type DnsProviderConfig =
  | { kind: 'cloudflare'; apiToken: string; zoneId?: string; apiBase?: string }
  | { kind: 'duckdns'; token: string; apiBase?: string }
  | { kind: 'rfc2136'; server: string; port: number; zone: string; keyName: string; keyAlgorithm: string; keySecret: string };

export interface RouteConfig { host: string; upstream: string }

export interface Config {
  schemaVersion: number;
  domains: string[];
  /** Where certificates, keys and state live; null = the per-OS app data dir (decided by the caller). */
  dataDir: string | null;
  door: {
    bind: string;
    httpsPorts: number[];
    /** null disables the HTTP door. */
    httpPort: number | null;
    /** The port that appears in URLs and redirects (what the router exposes). */
    publicHttpsPort: number;
    hsts: boolean;
  };
  plex: { url: string; tlsPort: number; token: string | null };
  routes: RouteConfig[];
  acme: {
    directoryUrl: string;
    email: string | null;
    challenge: ChallengeChoice;
    caFile: string | null;
    keyType: KeyType;
    /** External Account Binding (ZeroSSL and other CAs that require it). */
    eab: { kid: string; hmacKey: string } | null;
    /** Run an order against the staging CA before the first production order. */
    preflight: boolean;
  };
  dns: { provider: DnsProviderConfig | null; resolver: string | null; ddns: boolean };
  router: { mode: RouterMode; gateway: string | null; mapPlexPort: boolean };
  publicIp: { stunServer: string | null; httpEndpoints: string[] };
  ui: { port: number };
}

export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
export const ZEROSSL = 'https://acme.zerossl.com/v2/DV90';

export const DEFAULT_CONFIG: Omit<Config, 'domains'> = {
  schemaVersion: CONFIG_SCHEMA_VERSION,
  dataDir: null,
  door: { bind: '0.0.0.0', httpsPorts: [8443], httpPort: 8080, publicHttpsPort: 443, hsts: false },
  plex: { url: 'http://127.0.0.1:32400', tlsPort: 32400, token: null },
  routes: [],
  acme: { directoryUrl: LETS_ENCRYPT_PRODUCTION, email: null, challenge: 'auto', caFile: null, keyType: 'ecdsa-p256', eab: null, preflight: true },
  dns: { provider: null, resolver: null, ddns: false },
  router: { mode: 'auto', gateway: null, mapPlexPort: false },
  publicIp: { stunServer: null, httpEndpoints: [] },
  ui: { port: 8765 },
};

export interface ConfigProblem {
  /** Dotted path of the offending key, e.g. `door.httpsPorts[1]`. */
  key: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** One line per problem, as the CLI prints them. */
export function formatProblem(p: ConfigProblem): string {
  return `config: ${p.key}: ${p.message}`;
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** A DNS name we can get a certificate for; `*.` allowed as the first label (forces dns-01). */
export function isDomainName(s: string): boolean {
  if (s.length > 253) return false;
  const labels = s.split('.');
  if (labels.length < 2) return false;
  return labels.every((l, i) => (i === 0 && l === '*') || HOST_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1) ?? '');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;

function isHttpUrl(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

const KNOWN_TOP = new Set(['$schema', 'schemaVersion', 'domains', 'dataDir', 'door', 'plex', 'routes', 'acme', 'dns', 'router', 'publicIp', 'ui']);

export interface ParseConfigOptions {
  /**
   * [true] A config without domains is an error. The app and `portico serve` pass false: there the
   * setup wizard is how a new user chooses the domain, so the service starts "setup pending".
   */
  requireDomains?: boolean;
}

/**
 * Validate an untrusted JSON value and fill defaults. Collects every problem rather than stopping
 * at the first, so a person fixes the file in one go.
 */
export function parseConfig(input: unknown, opts: ParseConfigOptions = {}): Result<Config, ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  const bad = (key: string, message: string) => problems.push({ key, message });
  if (!isObj(input)) return err([{ key: '(root)', message: 'the config must be a JSON object like {"domains": ["plex.example.com"]}' }]);

  for (const k of Object.keys(input)) {
    if (!KNOWN_TOP.has(k)) bad(k, `unknown key; remove it or check the spelling (known keys: ${[...KNOWN_TOP].filter((x) => x !== '$schema').join(', ')})`);
  }

  const d = structuredClone(DEFAULT_CONFIG) as Config;
  d.domains = [];

  if (input.schemaVersion !== undefined) {
    if (input.schemaVersion !== CONFIG_SCHEMA_VERSION) bad('schemaVersion', `must be ${CONFIG_SCHEMA_VERSION} (this Portico does not know version ${String(input.schemaVersion)}); upgrade Portico or remove the key`);
  }

  // domains (required unless the wizard may still choose them)
  const noDomains = input.domains === undefined || (Array.isArray(input.domains) && input.domains.length === 0);
  if (noDomains && opts.requireDomains === false) {
    // setup pending: the door runs without routes until the wizard saves a domain
  } else if (!Array.isArray(input.domains) || input.domains.length === 0) {
    bad('domains', 'is required: a list with at least one name, e.g. ["plex.example.com"]');
  } else {
    const seen = new Set<string>();
    input.domains.forEach((v, i) => {
      if (typeof v !== 'string' || !isDomainName(v.toLowerCase())) bad(`domains[${i}]`, `${JSON.stringify(v)} is not a domain name; use a full name such as "plex.example.com"`);
      else if (seen.has(v.toLowerCase())) bad(`domains[${i}]`, `"${v}" is listed twice; remove the duplicate`);
      else { seen.add(v.toLowerCase()); d.domains.push(v.toLowerCase()); }
    });
  }

  if (input.dataDir !== undefined && input.dataDir !== null) {
    if (typeof input.dataDir !== 'string' || input.dataDir === '') bad('dataDir', 'must be a directory path (string) or null for the default');
    else d.dataDir = input.dataDir;
  }

  // door
  if (input.door !== undefined) {
    if (!isObj(input.door)) bad('door', 'must be an object, e.g. {"httpsPorts": [8443]}');
    else {
      const door = input.door;
      if (door.bind !== undefined) {
        if (typeof door.bind !== 'string' || door.bind === '') bad('door.bind', 'must be an IP address to listen on, e.g. "0.0.0.0" or "127.0.0.1"');
        else d.door.bind = door.bind;
      }
      if (door.httpsPorts !== undefined) {
        if (!Array.isArray(door.httpsPorts) || door.httpsPorts.length === 0) bad('door.httpsPorts', 'must be a non-empty list of ports, e.g. [8443, 32443]');
        else {
          d.door.httpsPorts = [];
          door.httpsPorts.forEach((p, i) => {
            if (!isPort(p)) bad(`door.httpsPorts[${i}]`, `${JSON.stringify(p)} is not a port; use a whole number from 1 to 65535`);
            else d.door.httpsPorts.push(p);
          });
        }
      }
      if (door.httpPort !== undefined) {
        if (door.httpPort !== null && !isPort(door.httpPort)) bad('door.httpPort', 'must be a port (1-65535) or null to turn the HTTP door off');
        else d.door.httpPort = door.httpPort as number | null;
      }
      if (door.publicHttpsPort !== undefined) {
        if (!isPort(door.publicHttpsPort) || door.publicHttpsPort === 0) bad('door.publicHttpsPort', 'must be the port your router exposes for HTTPS (usually 443)');
        else d.door.publicHttpsPort = door.publicHttpsPort;
      }
      if (door.hsts !== undefined) {
        if (typeof door.hsts !== 'boolean') bad('door.hsts', 'must be true or false');
        else d.door.hsts = door.hsts;
      }
      const all = [...d.door.httpsPorts, ...(d.door.httpPort === null ? [] : [d.door.httpPort])].filter((p) => p !== 0);
      const dup = all.find((p, i) => all.indexOf(p) !== i);
      if (dup !== undefined) bad('door', `port ${dup} is used twice; give each door its own port`);
    }
  }

  // plex
  if (input.plex !== undefined) {
    if (!isObj(input.plex)) bad('plex', 'must be an object, e.g. {"url": "http://127.0.0.1:32400"}');
    else {
      const p = input.plex;
      if (p.url !== undefined) {
        if (!isHttpUrl(p.url)) bad('plex.url', 'must be the address of Plex Media Server, e.g. "http://127.0.0.1:32400"');
        else d.plex.url = String(p.url).replace(/\/+$/, '');
      }
      if (p.tlsPort !== undefined) {
        if (!isPort(p.tlsPort)) bad('plex.tlsPort', "must be Plex Media Server's own TLS port (usually 32400)");
        else d.plex.tlsPort = p.tlsPort;
      }
      if (p.token !== undefined && p.token !== null) {
        if (typeof p.token !== 'string' || p.token.length < 8) bad('plex.token', 'must be a Plex token (string) or null to find it automatically');
        else d.plex.token = p.token;
      }
    }
  }

  // routes
  if (input.routes !== undefined) {
    if (!Array.isArray(input.routes)) bad('routes', 'must be a list like [{"host": "overseerr.example.com", "upstream": "http://127.0.0.1:5055"}]');
    else {
      input.routes.forEach((r, i) => {
        if (!isObj(r)) return bad(`routes[${i}]`, 'must be an object with "host" and "upstream"');
        const host = typeof r.host === 'string' ? r.host.toLowerCase() : '';
        if (!isDomainName(host) || host.startsWith('*.')) return bad(`routes[${i}].host`, `${JSON.stringify(r.host)} is not a host name; use e.g. "overseerr.example.com"`);
        if (!isHttpUrl(r.upstream) || !String(r.upstream).startsWith('http://')) return bad(`routes[${i}].upstream`, 'must be a plain-HTTP address such as "http://127.0.0.1:5055"');
        if (d.domains.includes(host) || d.routes.some((x) => x.host === host)) return bad(`routes[${i}].host`, `"${host}" is already routed; each host may appear once`);
        d.routes.push({ host, upstream: String(r.upstream).replace(/\/+$/, '') });
      });
    }
  }

  // acme
  if (input.acme !== undefined) {
    if (!isObj(input.acme)) bad('acme', 'must be an object, e.g. {"email": "me@example.com"}');
    else {
      const a = input.acme;
      if (a.directoryUrl !== undefined) {
        if (!isHttpUrl(a.directoryUrl) || !String(a.directoryUrl).startsWith('https://')) bad('acme.directoryUrl', `must be an https:// ACME directory URL, e.g. "${LETS_ENCRYPT_PRODUCTION}"`);
        else d.acme.directoryUrl = String(a.directoryUrl);
      }
      if (a.email !== undefined && a.email !== null) {
        if (typeof a.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a.email)) bad('acme.email', 'must be an email address (the CA sends expiry warnings there) or null');
        else d.acme.email = a.email;
      }
      if (a.challenge !== undefined) {
        if (!['auto', 'tls-alpn-01', 'http-01', 'dns-01'].includes(a.challenge as string)) bad('acme.challenge', 'must be one of "auto", "tls-alpn-01", "http-01", "dns-01"');
        else d.acme.challenge = a.challenge as ChallengeChoice;
      }
      if (a.caFile !== undefined && a.caFile !== null) {
        if (typeof a.caFile !== 'string' || a.caFile === '') bad('acme.caFile', 'must be the path of a PEM file with the extra CA to trust, or null');
        else d.acme.caFile = a.caFile;
      }
      if (a.keyType !== undefined) {
        if (a.keyType !== 'ecdsa-p256' && a.keyType !== 'rsa-2048') bad('acme.keyType', 'must be "ecdsa-p256" (default) or "rsa-2048"');
        else d.acme.keyType = a.keyType;
      }
      if (a.eab !== undefined && a.eab !== null) {
        if (!isObj(a.eab) || typeof a.eab.kid !== 'string' || typeof a.eab.hmacKey !== 'string' || !a.eab.kid || !a.eab.hmacKey) bad('acme.eab', 'must be {"kid": "...", "hmacKey": "..."} from your CA (ZeroSSL: Developer section), or null');
        else d.acme.eab = { kid: a.eab.kid, hmacKey: a.eab.hmacKey };
      }
      if (a.preflight !== undefined) {
        if (typeof a.preflight !== 'boolean') bad('acme.preflight', 'must be true or false');
        else d.acme.preflight = a.preflight;
      }
    }
  }
  if (d.domains.some((x) => x.startsWith('*.')) && d.acme.challenge !== 'auto' && d.acme.challenge !== 'dns-01') {
    bad('acme.challenge', 'wildcard names (*.example.com) can only be validated with "dns-01"; set it to "dns-01" or "auto"');
  }

  // dns
  if (input.dns !== undefined) {
    if (!isObj(input.dns)) bad('dns', 'must be an object, e.g. {"provider": {"kind": "duckdns", "token": "..."}}');
    else {
      const n = input.dns;
      if (n.provider !== undefined && n.provider !== null) {
        const pr = parseDnsProvider(n.provider, bad);
        if (pr) d.dns.provider = pr;
      }
      if (n.resolver !== undefined && n.resolver !== null) {
        if (typeof n.resolver !== 'string' || !/^[\d.:a-fA-F[\]]+$/.test(n.resolver)) bad('dns.resolver', 'must be a DNS server address such as "1.1.1.1" or "127.0.0.1:5300", or null for the system resolver');
        else d.dns.resolver = n.resolver;
      }
      if (n.ddns !== undefined) {
        if (typeof n.ddns !== 'boolean') bad('dns.ddns', 'must be true or false');
        else d.dns.ddns = n.ddns;
      }
    }
  }
  if ((d.acme.challenge === 'dns-01' || d.dns.ddns) && !d.dns.provider) {
    bad('dns.provider', `is needed for ${d.acme.challenge === 'dns-01' ? 'the dns-01 challenge' : 'dynamic DNS'}; add {"kind": "cloudflare" | "duckdns" | "rfc2136", ...}`);
  }

  // router
  if (input.router !== undefined) {
    if (!isObj(input.router)) bad('router', 'must be an object, e.g. {"mode": "auto"}');
    else {
      const r = input.router;
      if (r.mode !== undefined) {
        if (!['auto', 'upnp', 'natpmp', 'pcp', 'manual', 'off'].includes(r.mode as string)) bad('router.mode', 'must be one of "auto", "upnp", "natpmp", "pcp", "manual", "off"');
        else d.router.mode = r.mode as RouterMode;
      }
      if (r.gateway !== undefined && r.gateway !== null) {
        if (typeof r.gateway !== 'string' || r.gateway === '') bad('router.gateway', 'must be the router\'s LAN address (e.g. "192.168.1.1") or null to find it');
        else d.router.gateway = r.gateway;
      }
      if (r.mapPlexPort !== undefined) {
        if (typeof r.mapPlexPort !== 'boolean') bad('router.mapPlexPort', 'must be true or false');
        else d.router.mapPlexPort = r.mapPlexPort;
      }
    }
  }

  if (input.publicIp !== undefined) {
    if (!isObj(input.publicIp)) bad('publicIp', 'must be an object, e.g. {"stunServer": "stun.example.net:3478"}');
    else {
      const p = input.publicIp;
      if (p.stunServer !== undefined && p.stunServer !== null) {
        if (typeof p.stunServer !== 'string' || !/^[^\s:]+(:\d+)?$|^\[[^\]]+\](:\d+)?$/.test(p.stunServer)) bad('publicIp.stunServer', 'must be "host" or "host:port" of a STUN server, or null');
        else d.publicIp.stunServer = p.stunServer;
      }
      if (p.httpEndpoints !== undefined) {
        if (!Array.isArray(p.httpEndpoints) || !p.httpEndpoints.every(isHttpUrl)) bad('publicIp.httpEndpoints', 'must be a list of URLs that answer with your public IP address as plain text');
        else d.publicIp.httpEndpoints = p.httpEndpoints as string[];
      }
    }
  }

  if (input.ui !== undefined) {
    if (!isObj(input.ui)) bad('ui', 'must be an object, e.g. {"port": 8765}');
    else if (input.ui.port !== undefined) {
      if (!isPort(input.ui.port)) bad('ui.port', 'must be a port (1-65535) for the local dashboard, or 0 to pick a free one');
      else d.ui.port = input.ui.port;
    }
  }

  return problems.length ? err(problems) : ok(d);
}

function parseDnsProvider(v: unknown, bad: (k: string, m: string) => void): DnsProviderConfig | null {
  const key = 'dns.provider';
  if (!isObj(v)) { bad(key, 'must be an object with "kind": "cloudflare", "duckdns" or "rfc2136"'); return null; }
  const str = (k: string) => (typeof v[k] === 'string' && v[k] !== '' ? (v[k] as string) : undefined);
  switch (v.kind) {
    case 'cloudflare': {
      const apiToken = str('apiToken');
      if (!apiToken) { bad(`${key}.apiToken`, 'is required: a Cloudflare API token with Zone:DNS:Edit permission'); return null; }
      return { kind: 'cloudflare', apiToken, ...(str('zoneId') ? { zoneId: str('zoneId') } : {}), ...(str('apiBase') ? { apiBase: str('apiBase') } : {}) };
    }
    case 'duckdns': {
      const token = str('token');
      if (!token) { bad(`${key}.token`, 'is required: the token shown at the top of your DuckDNS page'); return null; }
      return { kind: 'duckdns', token, ...(str('apiBase') ? { apiBase: str('apiBase') } : {}) };
    }
    case 'rfc2136': {
      const server = str('server'), zone = str('zone'), keyName = str('keyName'), keySecret = str('keySecret');
      const port = v.port === undefined ? 53 : v.port;
      const keyAlgorithm = str('keyAlgorithm') ?? 'hmac-sha256';
      let okk = true;
      if (!server) { bad(`${key}.server`, 'is required: the IP address of your DNS server'); okk = false; }
      if (!isPort(port)) { bad(`${key}.port`, 'must be a port (default 53)'); okk = false; }
      if (!zone) { bad(`${key}.zone`, 'is required: the zone to update, e.g. "example.com"'); okk = false; }
      if (!keyName || !keySecret) { bad(`${key}.keyName`, 'keyName and keySecret (base64) of the TSIG key are required'); okk = false; }
      if (!['hmac-sha256', 'hmac-sha512', 'hmac-sha1'].includes(keyAlgorithm)) { bad(`${key}.keyAlgorithm`, 'must be "hmac-sha256", "hmac-sha512" or "hmac-sha1"'); okk = false; }
      return okk ? { kind: 'rfc2136', server: server!, port: port as number, zone: zone!, keyName: keyName!, keyAlgorithm, keySecret: keySecret! } : null;
    }
    default:
      bad(`${key}.kind`, 'must be "cloudflare", "duckdns" or "rfc2136"');
      return null;
  }
}
