/**
 * Which kind of address an IP is: the one rule for "public" (an address the internet routes to
 * us) used by the reachability diagnosis and the PMS stand-in's X-Forwarded-For trust. The copies
 * disagreed on loopback and on 100.64.0.0/10 (CGNAT): one called them private, the other did not.
 * Pure (no node:net) because the renderer uses shared/ too.
 */

export type AddressScope =
  | 'public'
  /** RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique-local fc00::/7. */
  | 'private'
  /** RFC 6598 shared address space 100.64.0.0/10, used by carrier-grade NAT. */
  | 'cgnat'
  | 'loopback'
  /** 169.254/16 and fe80::/10: self-assigned, never routed. */
  | 'link-local'
  /** 0.0.0.0 / :: — what a router reports when its WAN side has no address. */
  | 'unspecified'
  /**
   * 0/8, multicast and 240/4 (ff00::/8 in IPv6): not a host. The documentation ranges
   * (203.0.113/24, 2001:db8::/32…) stay "public": examples and tests stand for public addresses with them.
   */
  | 'reserved'
  | 'invalid';

function v4(ip: string): number[] | null {
  const p = ip.split('.');
  if (p.length !== 4 || !p.every((x) => /^(0|[1-9]\d{0,2})$/.test(x))) return null;
  const n = p.map(Number);
  return n.every((x) => x <= 255) ? n : null;
}

/** The eight 16-bit groups of an IPv6 address (an IPv4 tail becomes the last two), or null. */
function v6(ip: string): number[] | null {
  let s = ip;
  if (ip.includes('.')) {
    const at = ip.lastIndexOf(':');
    const q = v4(ip.slice(at + 1));
    if (!q) return null;
    s = `${ip.slice(0, at + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const a = groups(halves[0]!);
  const b = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...a, ...b].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const fill = 8 - a.length - b.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  return [...a, ...Array<string>(fill).fill('0'), ...b].map((g) => parseInt(g, 16));
}

function scope4([a, b]: number[]): AddressScope {
  if (a === 0) return 'reserved';
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b! >= 64 && b! <= 127) return 'cgnat';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a! >= 224) return 'reserved';
  return 'public';
}

export function addressScope(ip: string): AddressScope {
  const a = v4(ip);
  if (a) return a.join('.') === '0.0.0.0' ? 'unspecified' : scope4(a);
  const g = v6(ip);
  if (!g) return 'invalid';
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return addressScope(`${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0]! & 0xff00) === 0xff00) return 'reserved';
  return 'public';
}

export const isPublicAddress = (ip: string): boolean => addressScope(ip) === 'public';
