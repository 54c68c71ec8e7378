import { networkInterfaces } from 'node:os';
import { addressScope } from '../../shared/ip-address.ts';

/**
 * This machine's addresses on the local network: the private IPv4 addresses of its interfaces
 * (RFC 1918), in the order the system lists them. The first is "this computer's address" in the
 * router rows; the dashboard on the local network listens on all of them.
 */
export function privateIpv4Addresses(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal && addressScope(a.address) === 'private' && !out.includes(a.address)) out.push(a.address);
    }
  }
  return out;
}
