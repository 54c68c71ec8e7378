/**
 * "Public DNS" on loopback: Debian's pebble-challtestsrv answering every A query with one address
 * (the network's public address as the test or the demo plays it), with per-name records set
 * through its management API. Portico asks it through `dns.resolver`.
 */
import { spawn } from 'node:child_process';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface PublicDns {
  /** `dns.resolver` for the config: "127.0.0.1:<port>". */
  resolver: string;
  /** Answer `host` with these A records instead of the default address. */
  setA(host: string, addresses: string[]): Promise<void>;
  /** Back to the default address for `host`. */
  clearA(host: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startPublicDns(defaultIPv4: string): Promise<PublicDns> {
  const [dnsPort, mgmtPort] = [await freePort(), await freePort()];
  const child = spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${mgmtPort}`,
    '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', defaultIPv4, '-defaultIPv6', ''], { stdio: 'ignore' });
  const mgmt = (path: string, body: unknown) => fetch(`http://127.0.0.1:${mgmtPort}/${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => {
    if (!r.ok) throw new Error(`pebble-challtestsrv ${path}: HTTP ${r.status}`);
  });
  const fqdn = (host: string) => (host.endsWith('.') ? host : `${host}.`);
  try {
    await waitFor('public DNS (pebble-challtestsrv)', () => mgmt('clear-txt', { host: 'x.' }).then(() => true), 5000);
  } catch (e) {
    child.kill();
    throw e;
  }
  return {
    resolver: `127.0.0.1:${dnsPort}`,
    setA: (host, addresses) => mgmt('add-a', { host: fqdn(host), addresses }),
    clearA: (host) => mgmt('clear-a', { host: fqdn(host) }),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}
