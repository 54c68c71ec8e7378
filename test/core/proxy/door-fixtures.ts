/** Peers for the door tests: certificates made with openssl, a header-echo upstream, a TLS "PMS" upstream. */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTlsServer, connect as tlsConnect, type Server as TlsServer, type TLSSocket, type ConnectionOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface Pem { key: string; cert: string }

/** A self-signed ECDSA P-256 certificate for `names` (first is the CN). */
export function makeCert(dir: string, label: string, names: string[]): Pem {
  const key = join(dir, `${label}.key`);
  const cert = join(dir, `${label}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '30', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

export function port(s: { address(): AddressInfo | string | null }): number {
  return (s.address() as AddressInfo).port;
}

export async function listen<T extends HttpServer | TlsServer>(t: Pick<TestContext, 'after'>, s: T, p = 0): Promise<T> {
  await new Promise<void>((r) => s.listen(p, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { (s as HttpServer).closeAllConnections?.(); s.close(() => r()); }));
  return s;
}

/** An HTTP upstream that answers every request with the headers it received (JSON) and counts requests. */
export async function echoUpstream(t: Pick<TestContext, 'after'>, p = 0): Promise<HttpServer & { requests: number }> {
  const s = createHttpServer((req, res) => {
    srv.requests++;
    let n = 0;
    req.on('data', (c: Buffer) => { n += c.length; });
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: n });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    });
  });
  const srv = Object.assign(s, { requests: 0 });
  return listen(t, srv, p);
}

/** The stand-in for PMS's own TLS port: presents a "*.plex.direct" certificate and says who it is. */
export async function plexDirectUpstream(t: Pick<TestContext, 'after'>, pem: Pem): Promise<TlsServer> {
  const s = createTlsServer({ ...pem, ALPNProtocols: ['http/1.1'] }, (sock) => {
    sock.on('error', () => {});
    sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nplex-direct'));
  });
  return listen(t, s);
}

/** A TLS handshake to the door; resolves with the socket once secure. */
export function tlsTo(p: number, opts: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: p, rejectUnauthorized: false, ...opts }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Send raw bytes over TLS and collect everything until the door closes the connection. */
export async function rawExchange(p: number, servername: string, data: string | Buffer): Promise<string> {
  const s = await tlsTo(p, { servername });
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => resolve(out));
    s.write(data);
  });
}

/** Run a command, resolve with stdout/stderr/exit code (never rejects). */
export function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d; });
    c.stderr.on('data', (d: Buffer) => { stderr += d; });
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
