/**
 * The one configuration document: what `portico serve --config FILE` reads and what the Electron
 * app keeps in electron-store. Written once as a valibot schema: the TypeScript types, the
 * defaults and the allowed values all come from it, and the renderer checks its fields with the
 * same pieces (`fieldProblems`). Pure: validation returns every problem at once, each naming the
 * key and the fix, so the CLI can print one line per problem and exit 2.
 *
 * Objects are strict at every level: each unknown key is refused, naming the nearest known one.
 * Rules between keys (ports that clash, wildcards that need a DNS provider…) live in
 * `config/relations.ts`.
 *
 * Longer than ~300 lines on purpose: the schema, each field beside its default and message, and
 * the turning of the library's issues into our one-line problems, which must know the schema's shape.
 */
import * as v from 'valibot';
import { err, ok, type Result } from './result.ts';
import { domainProblem, isIpAddress, withoutCredentials } from './config/host-rules.ts';
import { nearestKey } from './config/nearest-key.ts';
import { relationProblems } from './config/relations.ts';
import { addressScope } from './ip-address.ts';

export const CONFIG_SCHEMA_VERSION = 1;

// The allowed values, written once; the types below are derived from these lists.
export const CHALLENGE_TYPES = ['tls-alpn-01', 'http-01', 'dns-01'] as const;
export const CHALLENGE_CHOICES = ['auto', ...CHALLENGE_TYPES] as const;
export const ROUTER_MODES = ['auto', 'upnp', 'natpmp', 'pcp', 'manual', 'off'] as const;
export const KEY_TYPES = ['ecdsa-p256', 'rsa-2048'] as const;
export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha512', 'hmac-sha1'] as const;

export type ChallengeType = (typeof CHALLENGE_TYPES)[number];
export type ChallengeChoice = (typeof CHALLENGE_CHOICES)[number];
export type RouterMode = (typeof ROUTER_MODES)[number];
export type KeyType = (typeof KEY_TYPES)[number];
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

/**
 * Asked for the public address when publicIp names no service of its own: well-known public STUN
 * servers (cheap, one UDP round trip each), then plain-text what-is-my-IP services over HTTPS.
 */
export const DEFAULT_STUN_SERVERS = ['stun.l.google.com:19302', 'stun.cloudflare.com:3478', 'stun.nextcloud.com:443'] as const;
export const DEFAULT_HTTP_ENDPOINTS = ['https://api.ipify.org', 'https://ipv4.icanhazip.com'] as const;

export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
export const ZEROSSL = 'https://acme.zerossl.com/v2/DV90';

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

type Issue = v.BaseIssue<unknown>;
type Message = string | ((issue: Issue) => string);

const oneOf = (list: readonly string[]) => `must be one of ${list.map((x) => `"${x}"`).join(', ')}`;

/**
 * A strict object (not an array: valibot's object schemas take `[]` for `{}`). Unknown keys are
 * refused (worded in `toProblems`); a missing required key gets that key's own message.
 */
function section<const E extends v.ObjectEntries>(entries: E, what: string) {
  return v.pipe(v.custom<Record<string, unknown>>((x) => typeof x === 'object' && x !== null && !Array.isArray(x), what), strict(entries, what));
}

/** The strict object itself, for the DNS provider's variants (valibot's `variant` takes only object schemas). */
function strict<const E extends v.ObjectEntries>(entries: E, what: string) {
  return v.strictObject(entries, (issue) => {
    if (issue.expected === 'never') return 'unknown key';
    if (issue.expected === 'Object') return what;
    const key = String(issue.path?.[0]?.key);
    return v.safeParse(entries[key]!, undefined).issues?.[0]?.message ?? 'is required';
  });
}

function port(message: Message, min = 1) {
  return v.pipe(v.number(message), v.check((n) => Number.isInteger(n) && n >= min && n <= 65535, message));
}

const flag = v.boolean('must be true or false');

function text(message: string) {
  return v.pipe(v.string(message), v.minLength(1, message));
}

/** An http(s) URL with one of the given schemes and no user name or password (which would leak into status and logs). */
function url(message: string, schemes: readonly string[] = ['http:', 'https:']) {
  return v.pipe(v.string(message), v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    let u: URL;
    try {
      u = new URL(dataset.value);
    } catch {
      return addIssue({ message });
    }
    if (!schemes.includes(u.protocol)) return addIssue({ message });
    if (u.username || u.password) addIssue({ message: `must not contain a user name or password (${withoutCredentials(u)}); remove them from the URL` });
  }));
}

const withoutTrailingSlash = v.transform((s: string) => s.replace(/\/+$/, ''));

/** A name we serve; lower-cased. Routes take exact names only: a wildcard can't name one upstream. */
function name(allowWildcard: boolean) {
  return v.pipe(
    v.string((i) => domainProblem(i.input) ?? 'must be a domain name'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const problem = domainProblem(dataset.value);
      if (problem) addIssue({ message: problem });
      else if (!allowWildcard && dataset.value.startsWith('*.')) addIssue({ message: `${JSON.stringify(dataset.value)} is a wildcard; a route needs one exact host name, e.g. "overseerr.example.com"` });
    }),
    v.transform((s) => s.toLowerCase()),
  );
}

const LAN_BIND = 'must be one private address of this machine (e.g. "192.168.1.20"), or null for all of them; not 0.0.0.0 or a public address';
const LAN_SCOPES: readonly string[] = ['private', 'loopback', 'link-local', 'cgnat'];
const LAN_NAME = 'must be a host name this machine has on your network, e.g. "nas.local" (no port, no http://)';

const DOMAINS = v.array(name(true), 'must be a list of names, e.g. ["plex.example.com"] (a list even for one name)');
const EMAIL = v.nullable(v.pipe(
  v.string('must be an email address (the CA sends expiry warnings there) or null'),
  v.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address (the CA sends expiry warnings there) or null'),
));

const PROVIDER_WHAT = 'must be an object with "kind": "cloudflare", "duckdns" or "rfc2136"';
const DNS_PROVIDER = v.variant('kind', [
  strict({
    kind: v.literal('cloudflare'),
    apiToken: text('is required: a Cloudflare API token with Zone:DNS:Edit permission'),
    zoneId: v.optional(text('must be the Zone ID from your domain\'s Cloudflare overview page, or left out to look it up')),
    apiBase: v.optional(url('must be the https:// address of the Cloudflare API, or left out')),
  }, PROVIDER_WHAT),
  strict({
    kind: v.literal('duckdns'),
    token: text('is required: the token shown at the top of your DuckDNS page'),
    apiBase: v.optional(url('must be the https:// address of the DuckDNS API, or left out')),
  }, PROVIDER_WHAT),
  strict({
    kind: v.literal('rfc2136'),
    server: text('is required: the IP address of your DNS server'),
    port: v.optional(port('must be a port (default 53)'), 53),
    zone: text('is required: the zone to update, e.g. "example.com"'),
    keyName: text('is required: the name of the TSIG key'),
    keyAlgorithm: v.optional(v.picklist(TSIG_ALGORITHMS, oneOf(TSIG_ALGORITHMS)), 'hmac-sha256'),
    keySecret: text('is required: the TSIG key\'s secret (base64)'),
  }, PROVIDER_WHAT),
], (issue) => (issue.expected === 'Object' ? PROVIDER_WHAT : 'must be "cloudflare", "duckdns" or "rfc2136"'));

const ROUTES = v.array(section({
  host: name(false),
  upstream: v.pipe(url('must be a plain-HTTP address such as "http://127.0.0.1:5055"', ['http:']), withoutTrailingSlash),
}, 'must be an object with "host" and "upstream"'), 'must be a list like [{"host": "overseerr.example.com", "upstream": "http://127.0.0.1:5055"}]');
const PLEX_URL = v.pipe(url('must be the address of Plex Media Server, e.g. "http://127.0.0.1:32400"'), withoutTrailingSlash);

const CONFIG_SCHEMA = section({
  $schema: v.optional(v.string('must be the address of a JSON schema (editors use it), or left out')),
  schemaVersion: v.optional(v.literal(CONFIG_SCHEMA_VERSION, (i) => `must be ${CONFIG_SCHEMA_VERSION} (this Portico does not know version ${String(i.input)}); upgrade Portico or remove the key`), CONFIG_SCHEMA_VERSION),
  domains: v.optional(DOMAINS, []),
  /** Where certificates, keys and state live; null = the per-OS app data dir (decided by the caller). */
  dataDir: v.optional(v.nullable(text('must be a directory path (string) or null for the default')), null),
  door: v.optional(section({
    bind: v.optional(v.pipe(
      v.string('must be an IP address to listen on, e.g. "0.0.0.0" or "127.0.0.1"'),
      v.check(isIpAddress, (i) => `${JSON.stringify(i.input)} is not an IP address; listen on an address such as "0.0.0.0" (every interface) or "127.0.0.1" (this machine only)`),
    ), '0.0.0.0'),
    httpsPorts: v.optional(v.pipe(
      v.array(port((i) => `${JSON.stringify(i.input)} is not a port; use a whole number from 1 to 65535`), 'must be a non-empty list of ports, e.g. [8443, 32443]'),
      v.minLength(1, 'must be a non-empty list of ports, e.g. [8443, 32443]'),
    ), [8443]),
    /** null disables the HTTP door. */
    httpPort: v.optional(v.nullable(port('must be a port (1-65535) or null to turn the HTTP door off')), 8080),
    /** The port that appears in URLs and redirects (what the router exposes). */
    publicHttpsPort: v.optional(port('must be the port your router exposes for HTTPS (usually 443)'), 443),
    hsts: v.optional(flag, false),
  }, 'must be an object, e.g. {"httpsPorts": [8443]}'), {}),
  plex: v.optional(section({
    url: v.optional(PLEX_URL, 'http://127.0.0.1:32400'),
    tlsPort: v.optional(port("must be Plex Media Server's own TLS port (usually 32400)"), 32400),
    token: v.optional(v.nullable(v.pipe(
      v.string('must be a Plex token (string) or null to find it automatically'),
      v.minLength(8, 'must be a Plex token (string) or null to find it automatically'),
    )), null),
  }, 'must be an object, e.g. {"url": "http://127.0.0.1:32400"}'), {}),
  routes: v.optional(ROUTES, []),
  acme: v.optional(section({
    directoryUrl: v.optional(url(`must be an https:// ACME directory URL, e.g. "${LETS_ENCRYPT_PRODUCTION}"`, ['https:']), LETS_ENCRYPT_PRODUCTION),
    email: v.optional(EMAIL, null),
    challenge: v.optional(v.picklist(CHALLENGE_CHOICES, oneOf(CHALLENGE_CHOICES)), 'auto'),
    /** An extra CA to trust for the ACME server. */
    caFile: v.optional(v.nullable(text('must be the path of a PEM file with the extra CA to trust, or null')), null),
    keyType: v.optional(v.picklist(KEY_TYPES, `${oneOf(KEY_TYPES)} (the first is the default)`), 'ecdsa-p256'),
    /** External Account Binding (ZeroSSL and other CAs that require it). */
    eab: v.optional(v.nullable(section({
      kid: text('is required: the EAB key ID from your CA (ZeroSSL: Developer section)'),
      hmacKey: text('is required: the EAB HMAC key from your CA (ZeroSSL: Developer section)'),
    }, 'must be {"kid": "...", "hmacKey": "..."} from your CA (ZeroSSL: Developer section), or null')), null),
    /** Run an order against the staging CA before the first production order. */
    preflight: v.optional(flag, true),
  }, 'must be an object, e.g. {"email": "me@example.com"}'), {}),
  dns: v.optional(section({
    provider: v.optional(v.nullable(DNS_PROVIDER), null),
    resolver: v.optional(v.nullable(v.pipe(
      v.string('must be a DNS server address such as "1.1.1.1" or "127.0.0.1:5300", or null for the system resolver'),
      v.regex(/^[\d.:a-fA-F[\]]+$/, 'must be a DNS server address such as "1.1.1.1" or "127.0.0.1:5300", or null for the system resolver'),
    )), null),
    ddns: v.optional(flag, false),
  }, 'must be an object, e.g. {"provider": {"kind": "duckdns", "token": "..."}}'), {}),
  router: v.optional(section({
    mode: v.optional(v.picklist(ROUTER_MODES, oneOf(ROUTER_MODES)), 'auto'),
    gateway: v.optional(v.nullable(text('must be the router\'s LAN address (e.g. "192.168.1.1") or null to find it')), null),
    mapPlexPort: v.optional(flag, false),
  }, 'must be an object, e.g. {"mode": "auto"}'), {}),
  publicIp: v.optional(section({
    /**
     * Ask outside services for the address the internet sees (the configured ones, else the
     * built-in DEFAULT_STUN_SERVERS and DEFAULT_HTTP_ENDPOINTS). false: only the router's own
     * answer, so CGNAT beyond a router and DNS mismatches go unchecked when the router cannot tell.
     */
    lookup: v.optional(flag, true),
    stunServer: v.optional(v.nullable(v.pipe(
      v.string('must be "host" or "host:port" of a STUN server, or null'),
      v.regex(/^[^\s:]+(:\d+)?$|^\[[^\]]+\](:\d+)?$/, 'must be "host" or "host:port" of a STUN server, or null'),
    )), null),
    httpEndpoints: v.optional(v.array(url('must be a URL that answers with your public IP address as plain text'), 'must be a list of URLs that answer with your public IP address as plain text'), []),
  }, 'must be an object, e.g. {"stunServer": "stun.example.net:3478"}'), {}),
  /** Where the headless service says that the health verdict changed; the URLs and token go to the secret store. */
  alerts: v.optional(section({
    webhook: v.optional(v.nullable(url('must be the http(s) address your chat or automation service gave you for a webhook, or null')), null),
    ntfy: v.optional(v.nullable(section({
      url: url('is required: the ntfy topic URL, e.g. "https://ntfy.sh/my-portico-alerts"'),
      token: v.optional(v.nullable(text('must be the ntfy access token (tk_…), or null when the topic needs none')), null),
    }, 'must be {"url": "https://ntfy.sh/your-topic"} (optionally with "token"), or null')), null),
  }, 'must be an object, e.g. {"ntfy": {"url": "https://ntfy.sh/your-topic"}}'), {}),
  ui: v.optional(section({
    port: v.optional(port('must be a port (1-65535) for the local dashboard, or 0 to pick a free one', 0), 8765),
    /** The dashboard on the local network, behind a password (docs/headless.md); off unless turned on. */
    lan: v.optional(section({
      enabled: v.optional(flag, false),
      port: v.optional(port('must be a port (1-65535) for the dashboard on your network, e.g. 8766'), 8766),
      /** null: every private IPv4 address of this machine. */
      bind: v.optional(v.nullable(v.pipe(
        v.string(LAN_BIND),
        v.check((s) => isIpAddress(s) && LAN_SCOPES.includes(addressScope(s)), (i) => `${JSON.stringify(i.input)}: ${LAN_BIND}`),
      )), null),
      /** Further names the dashboard answers to besides its addresses (Host header), e.g. "nas.local". */
      names: v.optional(v.array(v.pipe(
        v.string(LAN_NAME),
        v.regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i, (i) => `${JSON.stringify(i.input)}: ${LAN_NAME}`),
        v.transform((s) => s.toLowerCase()),
      ), `must be a list of names, e.g. ["nas.local"]`), []),
    }, 'must be an object, e.g. {"enabled": true}'), {}),
  }, 'must be an object, e.g. {"port": 8765}'), {}),
}, 'the config must be a JSON object like {"domains": ["plex.example.com"]}');

export type Config = Omit<v.InferOutput<typeof CONFIG_SCHEMA>, '$schema'>;
export type DnsProviderConfig = NonNullable<Config['dns']['provider']>;
export type RouteConfig = Config['routes'][number];

/** Every default, from the schema itself. */
export const DEFAULT_CONFIG: Omit<Config, 'domains'> = (() => {
  const { domains: _, $schema: __, ...rest } = v.parse(CONFIG_SCHEMA, {});
  return rest;
})();

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
  const r = v.safeParse(CONFIG_SCHEMA, input);
  // The rules between keys see what parsed, so a clash is reported beside a typo elsewhere.
  const problems = [...(r.issues ?? []).flatMap(toProblems), ...relationProblems(r.output, { requireDomains: opts.requireDomains ?? true })];
  if (problems.length || !r.success) return err(problems);
  const { $schema: _, ...config } = r.output;
  return ok(config);
}

const FIELDS = {
  domains: DOMAINS,
  'acme.email': EMAIL,
  'plex.url': PLEX_URL,
  routes: ROUTES,
} satisfies Record<string, v.GenericSchema>;
export type ConfigField = keyof typeof FIELDS;

/** The problems of one field as the config would report them: the renderer checks a form with the schema's own rules. */
export function fieldProblems(field: ConfigField, value: unknown): ConfigProblem[] {
  const r = v.safeParse(FIELDS[field], value);
  return (r.issues ?? []).flatMap(toProblems).map((p) => ({ key: p.key === '(root)' ? field : `${field}${p.key.startsWith('[') ? '' : '.'}${p.key}`, message: p.message }));
}

/**
 * An issue as the lines a person reads. valibot names only the first unknown key of an object;
 * the others of that object are named here too, so one run shows them all.
 */
function toProblems(issue: Issue): ConfigProblem[] {
  const path = issue.path ?? [];
  if (!(issue.type === 'strict_object' && issue.expected === 'never')) return [{ key: path.length ? keyOf(path) : '(root)', message: issue.message }];
  const input = Object(path.at(-1)?.input) as Record<string, unknown>;
  const known = knownKeysAt(path.slice(0, -1), input);
  const shown = known.filter((k) => k !== '$schema');
  const parent = keyOf(path.slice(0, -1));
  // A key that is already there is not what the typo meant.
  const free = shown.filter((k) => !Object.hasOwn(input, k));
  return Object.keys(input).filter((k) => !known.includes(k)).map((k) => {
    const near = nearestKey(k, free);
    return {
      key: `${parent}${parent ? '.' : ''}${k}`,
      message: near
        ? `unknown key; did you mean ${parent ? `${parent}.` : ''}${near}?`
        : `unknown key; remove it or check the spelling (known keys${parent ? ` in ${parent}` : ''}: ${shown.join(', ')})`,
    };
  });
}

function keyOf(path: readonly v.IssuePathItem[]): string {
  return path.reduce<string>((s, p) => (typeof p.key === 'number' ? `${s}[${p.key}]` : `${s}${s ? '.' : ''}${String(p.key)}`), '');
}

/** The public shape of the valibot schemas walked below. */
interface SchemaNode {
  type: string;
  key?: string;
  literal?: unknown;
  wrapped?: SchemaNode;
  pipe?: SchemaNode[];
  kind?: string;
  item?: SchemaNode;
  entries?: Record<string, SchemaNode>;
  options?: SchemaNode[];
}

/** The keys the schema knows in the object at `path` (`input` is that object, to pick the DNS provider's variant). */
function knownKeysAt(path: readonly v.IssuePathItem[], input: unknown): string[] {
  let node: SchemaNode | undefined = CONFIG_SCHEMA as unknown as SchemaNode;
  for (const item of path) {
    node = unwrap(node, item.input);
    node = node?.item ?? node?.entries?.[String(item.key)];
  }
  return Object.keys(unwrap(node, input)?.entries ?? {});
}

function unwrap(node: SchemaNode | undefined, input: unknown): SchemaNode | undefined {
  let n = node;
  while (n?.wrapped || n?.pipe) n = n.wrapped ?? n.pipe?.findLast((p) => p.kind === 'schema');
  if (n?.options && n.key) {
    const kind = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[n.key] : undefined;
    n = n.options.find((o) => o.entries?.[n!.key!]?.literal === kind);
  }
  return n;
}
