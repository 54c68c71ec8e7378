/**
 * The config rules between keys: ports that clash, names listed twice, wildcards that need a DNS
 * provider, an upstream that is the door itself. They read what the schema parsed even when other
 * keys are wrong (so every problem shows at once), which is why each value is checked before use.
 */
import type { ConfigProblem } from '../config.ts';
import { isLocalHost } from './host-rules.ts';

type Obj = Record<string, unknown>;

const obj = (x: unknown): Obj => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : {});
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const isPort = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 65535;
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

const PROVIDER_HINT = 'add {"kind": "cloudflare" | "duckdns" | "rfc2136", ...}';

export function relationProblems(parsed: unknown, opts: { requireDomains: boolean }): ConfigProblem[] {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  const c = parsed as Obj;
  const problems: ConfigProblem[] = [];
  const bad = (key: string, message: string) => problems.push({ key, message });

  // Names
  const domains = list(c.domains).filter((d): d is string => typeof d === 'string').map((d) => d.toLowerCase());
  if (opts.requireDomains && Array.isArray(c.domains) && c.domains.length === 0) bad('domains', 'is required: a list with at least one name, e.g. ["plex.example.com"]');
  const seen = new Set<string>();
  list(c.domains).forEach((d, i) => {
    if (typeof d !== 'string') return;
    if (seen.has(d.toLowerCase())) bad(`domains[${i}]`, `"${d}" is listed twice; remove the duplicate`);
    seen.add(d.toLowerCase());
  });
  const routed = new Set(domains);
  list(c.routes).forEach((r, i) => {
    const host = str(obj(r).host)?.toLowerCase();
    if (host === undefined) return;
    if (routed.has(host)) bad(`routes[${i}].host`, `"${host}" is already routed; each host may appear once`);
    routed.add(host);
  });

  // The door's ports, and what must not share them
  const door = obj(c.door);
  const doorPorts = [
    ...list(door.httpsPorts).filter(isPort).map((port) => ({ port, key: 'door.httpsPorts', what: 'HTTPS port' })),
    ...(isPort(door.httpPort) ? [{ port: door.httpPort, key: 'door.httpPort', what: 'HTTP port' }] : []),
  ];
  const dup = doorPorts.find((p, i) => doorPorts.findIndex((q) => q.port === p.port) !== i);
  if (dup) bad('door', `port ${dup.port} is used twice; give each door its own port`);
  const doorPort = (port: unknown) => doorPorts.find((p) => p.port === port);

  const uiPort = obj(c.ui).port;
  const uiClash = doorPort(uiPort);
  if (uiClash) bad('ui.port', `${uiClash.port} is also the door's ${uiClash.what} (${uiClash.key}); give the dashboard a port of its own, e.g. 8765`);
  // Only when on: an unused default must never make a working config invalid.
  const lan = obj(obj(c.ui).lan);
  const lanPort = lan.enabled === true ? lan.port : undefined;
  const lanClash = doorPort(lanPort) ?? (isPort(lanPort) && lanPort === uiPort ? { port: lanPort, key: 'ui.port', what: 'the local dashboard\'s port' } : undefined);
  if (lanClash) bad('ui.lan.port', `${lanClash.port} is also ${lanClash.key === 'ui.port' ? lanClash.what : `the door's ${lanClash.what}`} (${lanClash.key}); give the dashboard on your network a port of its own`);

  // An upstream on this machine at one of our own ports would make the door connect to itself, endlessly.
  const bind = str(door.bind) ?? '0.0.0.0';
  const selfPort = (host: string, port: unknown) => {
    if (!isLocalHost(host, bind)) return undefined;
    return doorPort(port) ?? (isPort(uiPort) && uiPort === port ? { port, key: 'ui.port', what: 'dashboard port' } : undefined);
  };
  const selfUrl = (key: string, value: unknown, fix: string) => {
    const u = parseUrl(value);
    const self = u && selfPort(u.hostname, Number(u.port || (u.protocol === 'https:' ? 443 : 80)));
    if (self) bad(key, `${u.host} is Portico's own ${self.what} (${self.key}), so Portico would connect to itself; ${fix}`);
  };
  const plex = obj(c.plex);
  selfUrl('plex.url', plex.url, 'use the address of Plex Media Server, e.g. "http://127.0.0.1:32400"');
  const plexUrl = parseUrl(plex.url);
  const tlsSelf = plexUrl && selfPort(plexUrl.hostname, plex.tlsPort);
  if (tlsSelf) bad('plex.tlsPort', `${String(plex.tlsPort)} on ${plexUrl.hostname} is Portico's own ${tlsSelf.what} (${tlsSelf.key}), so Portico would connect to itself; set it to Plex Media Server's own TLS port (usually 32400)`);
  list(c.routes).forEach((r, i) => selfUrl(`routes[${i}].upstream`, obj(r).upstream, 'use the address of the program this name is for'));

  // Challenges and the DNS provider
  const acme = obj(c.acme);
  const dns = obj(c.dns);
  const wildcard = domains.find((d) => d.startsWith('*.'));
  if (wildcard && typeof acme.challenge === 'string' && acme.challenge !== 'auto' && acme.challenge !== 'dns-01') {
    bad('acme.challenge', 'wildcard names (*.example.com) can only be validated with "dns-01"; set it to "dns-01" or "auto"');
  }
  if (dns.provider === null) {
    if (acme.challenge === 'dns-01') bad('dns.provider', `is needed for the dns-01 challenge; ${PROVIDER_HINT}`);
    else if (wildcard) bad('dns.provider', `is needed for "${wildcard}": a wildcard certificate can only be validated with dns-01, through your DNS provider; ${PROVIDER_HINT}, or list exact names instead`);
    else if (dns.ddns === true) bad('dns.provider', `is needed for dynamic DNS; ${PROVIDER_HINT}`);
  }

  // Public address: "no lookups" and a named service contradict each other.
  const publicIp = obj(c.publicIp);
  if (publicIp.lookup === false && (str(publicIp.stunServer) || list(publicIp.httpEndpoints).length)) {
    bad('publicIp.lookup', 'is false (ask no outside service), but publicIp.stunServer or publicIp.httpEndpoints names one; remove those, or set lookup to true');
  }
  return problems;
}

function parseUrl(x: unknown): URL | null {
  if (typeof x !== 'string') return null;
  try {
    return new URL(x);
  } catch {
    return null;
  }
}
