/**
 * What counts as a name, an address and a URL in the config. Pure (runs in the renderer too), so
 * IDNA goes through the WHATWG URL parser, the same algorithm as node:url's domainToASCII.
 */

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A DNS name we can get a certificate for; `*.` allowed as the first label (forces dns-01). */
export function isDomainName(s: string): boolean {
  if (s.length > 253) return false;
  const labels = s.split('.');
  if (labels.length < 2) return false;
  return labels.every((l, i) => (i === 0 && l === '*') || HOST_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1) ?? '');
}

/**
 * Why `value` cannot be one of our names (a domain or a route's host), or null when it can.
 * Names Plex owns are refused: a certificate for them can't be had, and their traffic must pass
 * through to PMS untouched.
 */
export function domainProblem(value: unknown): string | null {
  if (value === undefined) return 'is required: a full name such as "plex.example.com"';
  const shown = JSON.stringify(value);
  if (typeof value !== 'string') return `${shown} is not a domain name; use a full name such as "plex.example.com"`;
  const name = value.toLowerCase();
  // eslint-disable-next-line no-control-regex -- "anything outside ASCII" is the point
  if (/[^\x00-\x7f]/.test(name)) {
    const ascii = punycode(name);
    return ascii && isDomainName(ascii)
      ? `${shown} has letters outside ASCII; certificates name it in punycode: use "${ascii}"`
      : `${shown} is not a domain name; use a full name such as "plex.example.com"`;
  }
  if (!isDomainName(name)) return `${shown} is not a domain name; use a full name such as "plex.example.com"`;
  if (name === 'plex.direct' || name.endsWith('.plex.direct')) return `${shown} belongs to Plex (plex.direct names are Plex's own and pass through to PMS as they are); use a name you own, such as "plex.example.com"`;
  return null;
}

function punycode(name: string): string | null {
  try {
    return new URL(`http://${name}`).hostname;
  } catch {
    return null;
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4 or IPv6 address literal (no host names: listening on a name would need a DNS lookup). */
export function isIpAddress(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (!s.includes(':')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname !== '';
  } catch {
    return false;
  }
}

/** Whether connecting to `host` reaches this machine: loopback, the wildcard addresses, or the door's bind address. */
export function isLocalHost(host: string, bind: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || (IPV4.test(h) && h.startsWith('127.')) || h === '::1' || h === '0.0.0.0' || h === '::' || h === bind.toLowerCase();
}

/** The URL as it may be shown: user name and password replaced, so an error never echoes them. */
export function withoutCredentials(u: URL): string {
  const copy = new URL(u.href);
  if (copy.username) copy.username = '***';
  if (copy.password) copy.password = '***';
  return copy.href;
}
