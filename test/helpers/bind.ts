/**
 * Start and stop an authoritative BIND 9 (`named`) on a free loopback port, serving zone
 * `example.test` and accepting RFC 2136 updates signed with a TSIG key (hmac-sha256 by default).
 * The key may update TXT, A and AAAA records anywhere in the zone (dns-01 and dynamic DNS).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface Bind {
  /** 127.0.0.1 */
  host: string;
  port: number;
  /** host:port, e.g. for pebble's -dnsserver. */
  address: string;
  zone: string;
  keyName: string;
  keyAlgorithm: 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1';
  /** base64 TSIG secret. */
  keySecret: string;
  /** Ask the server with `dig` (an independent client): the values of name/type, unquoted. */
  query(name: string, type: 'TXT' | 'A' | 'AAAA'): string[];
  stop(): Promise<void>;
}

export async function startBind(opts: { keyAlgorithm?: Bind['keyAlgorithm']; zone?: string } = {}): Promise<Bind> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-bind-'));
  const zone = opts.zone ?? 'example.test';
  const keyName = 'portico-update';
  const keyAlgorithm = opts.keyAlgorithm ?? 'hmac-sha256';
  const keySecret = randomBytes(32).toString('base64');
  const port = await freePort();
  await writeFile(join(dir, 'zone.db'), [
    '$TTL 60',
    `@   IN SOA ns1.${zone}. hostmaster.${zone}. 1 60 60 3600 60`,
    `@   IN NS  ns1.${zone}.`,
    'ns1 IN A   127.0.0.1',
    'app IN A   127.0.0.1',
    '',
  ].join('\n'));
  await writeFile(join(dir, 'named.conf'), `
key "${keyName}" { algorithm ${keyAlgorithm}; secret "${keySecret}"; };
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-query { 127.0.0.1; };
  notify no;
};
controls { };
zone "${zone}" {
  type primary;
  file "${dir}/zone.db";
  journal "${dir}/zone.db.jnl";
  update-policy { grant ${keyName} zonesub TXT A AAAA; };
};
`);
  let log = '';
  const named: ChildProcess = spawn('named', ['-g', '-c', join(dir, 'named.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  named.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const query = (name: string, type: string) => {
    const out = execFileSync('dig', ['+short', '+time=1', '+tries=1', '-p', String(port), '@127.0.0.1', name, type], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map((l) => l.replace(/^"|"$/g, ''));
  };
  try {
    await waitFor('named to serve the zone', () => query(`app.${zone}`, 'A').includes('127.0.0.1'), 10_000, 100);
  } catch (e) {
    named.kill('SIGKILL');
    throw new Error(`named did not start: ${(e as Error).message}\n${log}`, { cause: e });
  }
  return {
    host: '127.0.0.1', port, address: `127.0.0.1:${port}`, zone, keyName, keyAlgorithm, keySecret,
    query,
    async stop() {
      if (named.exitCode === null && named.signalCode === null) {
        await new Promise<void>((r) => { named.once('exit', () => r()); named.kill('SIGTERM'); });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
