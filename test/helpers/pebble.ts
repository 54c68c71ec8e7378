/**
 * Start and stop Debian's pebble (ACME test CA) and pebble-challtestsrv on free loopback ports.
 * pebble's validator dials fixed ports from its config (`httpPort` for http-01, `tlsPort` for
 * tls-alpn-01): point them at the doors under test. DNS for the validator is challtestsrv
 * (answers every A query with 127.0.0.1, TXT records set through `setTxt`) unless `dnsServer`
 * names another resolver (e.g. the bind9 from test/helpers/bind.ts).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface PebbleOptions {
  /** Port pebble's validator dials for http-01 (the HTTP door). */
  httpPort?: number;
  /** Port pebble's validator dials for tls-alpn-01 (the HTTPS door). */
  tlsPort?: number;
  /** host:port of the DNS server the validator asks; default: a challtestsrv started here. */
  dnsServer?: string;
  /** Certificate lifetime in seconds (pebble's default is 5 years). */
  validitySeconds?: number;
  /** Require External Account Binding with these kid -> base64url HMAC keys. */
  eabKeys?: Record<string, string>;
}

export interface Pebble {
  directoryUrl: string;
  /** PEM file of the CA that signed pebble's own HTTPS API certificate (acme.caFile). */
  apiCaPath: string;
  /** Issuing root of this run (regenerated at every start). */
  rootPem: string;
  /** challtestsrv's management address, or null when another DNS server is used. */
  challtestsrv: string | null;
  /** Set/clear a TXT record in challtestsrv (dns-01 through the mock DNS). */
  setTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  /** Stop pebble only (challtestsrv keeps running): "the CA went away". */
  stopCa(): Promise<void>;
  /** Start pebble again with the same ports and config. */
  startCa(): Promise<void>;
  stop(): Promise<void>;
}

function getHttps(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
}

export async function startPebble(opts: PebbleOptions = {}): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-pebble-'));
  // Debian ships no certificate for pebble's own HTTPS API: make a CA and a localhost cert.
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '3650', '-keyout', 'api-ca.key', '-out', 'api-ca.pem', '-subj', '/CN=pebble API test CA');
  ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'api-key.pem', '-out', 'api.csr', '-subj', '/CN=localhost');
  await writeFile(join(dir, 'api.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ossl('x509', '-req', '-in', 'api.csr', '-CA', 'api-ca.pem', '-CAkey', 'api-ca.key', '-CAcreateserial', '-days', '3650', '-extfile', 'api.ext', '-out', 'api-cert.pem');
  const apiCaPath = join(dir, 'api-ca.pem');
  const ca = await readFile(apiCaPath);

  const [acmePort, mgmtPort] = [await freePort(), await freePort()];
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: join(dir, 'api-cert.pem'),
      privateKey: join(dir, 'api-key.pem'),
      httpPort: opts.httpPort ?? 5002,
      tlsPort: opts.tlsPort ?? 5001,
      ocspResponderURL: '',
      externalAccountBindingRequired: !!opts.eabKeys,
      ...(opts.eabKeys ? { externalAccountMACKeys: opts.eabKeys } : {}),
      ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
    },
  };
  await writeFile(join(dir, 'pebble-config.json'), JSON.stringify(config));

  let challtest: ChildProcess | undefined;
  let challtestMgmt: string | null = null;
  let dnsServer = opts.dnsServer;
  if (!dnsServer) {
    const [dnsPort, ctMgmt] = [await freePort(), await freePort()];
    // Its own http-01/https-01/tls-alpn-01 responders are off: the doors under test answer those.
    challtest = spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${ctMgmt}`,
      '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''], { stdio: 'ignore' });
    dnsServer = `127.0.0.1:${dnsPort}`;
    challtestMgmt = `127.0.0.1:${ctMgmt}`;
    const mgmt = challtestMgmt;
    await waitFor('pebble-challtestsrv', async () => (await fetch(`http://${mgmt}/clear-txt`, { method: 'POST', body: '{"host":"x."}' })).ok, 5000);
  }

  let pebble: ChildProcess | undefined;
  let log = '';
  const startCa = async () => {
    log = '';
    pebble = spawn('pebble', ['-config', join(dir, 'pebble-config.json'), '-dnsserver', dnsServer], {
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_VA_ALWAYS_VALID: '0', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pebble.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    pebble.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    try {
      await waitFor('pebble directory', async () => (await getHttps(`https://127.0.0.1:${acmePort}/dir`, ca)).status === 200, 10_000);
    } catch (e) {
      throw new Error(`pebble did not start: ${(e as Error).message}\n${log}`, { cause: e });
    }
  };
  await startCa();
  const root = await getHttps(`https://127.0.0.1:${mgmtPort}/roots/0`, ca);

  const ct = (path: string, body: unknown) => {
    if (!challtestMgmt) return Promise.reject(new Error('challtestsrv is not running (pebble was started with another dnsServer)'));
    return fetch(`http://${challtestMgmt}/${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => {
      if (!r.ok) throw new Error(`challtestsrv ${path}: HTTP ${r.status}`);
    });
  };

  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    apiCaPath,
    rootPem: root.body,
    challtestsrv: challtestMgmt,
    setTxt: (host, value) => ct('set-txt', { host: host.endsWith('.') ? host : `${host}.`, value }),
    clearTxt: (host) => ct('clear-txt', { host: host.endsWith('.') ? host : `${host}.` }),
    stopCa: () => stopChild(pebble),
    startCa,
    async stop() {
      await stopChild(pebble);
      await stopChild(challtest);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
