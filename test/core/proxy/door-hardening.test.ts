// The door against hostile input (issue 9, points 1-6), with nginx as an RFC-strict origin where
// what a real server makes of the door's bytes decides the outcome.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { Door, type DoorTimeouts } from '../../../main/core/proxy/door.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { placeholderCert } from '../../../main/core/proxy/placeholder-cert.ts';
import { freePort } from '../../helpers/free-port.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { nginxOrigin, type NginxOrigin } from '../../helpers/nginx-origin.ts';
import { makeCert, plexDirectUpstream, listen, port, tlsTo, rawExchange, run, type Pem } from './door-fixtures.ts';

const DOMAIN = 'plex.example.com';
const NGINX = 'nginx.example.com';
const cleanups: (() => unknown)[] = [];
const t0 = { after: (fn: () => unknown) => { cleanups.push(fn); } };
let dir: string;
let pem: Pem;
let plexDirect: Pem;
let pmsTls: Awaited<ReturnType<typeof plexDirectUpstream>>;
let nginx: NginxOrigin;
/** What the Node upstream received, per request: raw header and trailer lists. */
const seen: { url: string; rawHeaders: string[]; rawTrailers: string[] }[] = [];
let nodeUp: number;

before(async () => {
  dir = await tmpDir(t0, 'portico-hardening-');
  pem = await placeholderCert(dir, [DOMAIN, NGINX]);
  plexDirect = makeCert(dir, 'plex-direct', ['*.abc123.plex.direct']);
  pmsTls = await plexDirectUpstream(t0, plexDirect);
  nginx = await nginxOrigin(t0, { bigBytes: 4 * 1024 * 1024 });
  const up = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ url: req.url!, rawHeaders: req.rawHeaders, rawTrailers: req.rawTrailers });
      if (req.url === '/slow') {
        // a long stream: a first part, a pause longer than the keep-alive limit, the rest
        res.writeHead(200, { 'Content-Length': 200_000 });
        res.write(Buffer.alloc(100_000, 1));
        setTimeout(() => res.end(Buffer.alloc(100_000, 2)), 900);
        return;
      }
      res.end('node');
    });
  });
  await listen(t0, up);
  new WebSocketServer({ server: up }).on('connection', (ws) => ws.on('message', (m) => ws.send(String(m))));
  nodeUp = port(up);
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function startDoor(o: { timeouts?: Partial<DoorTimeouts>; maxConnectionsPerIp?: number; passthroughPort?: number; httpsPort?: number } = {}): Promise<Door> {
  const d = new Door({
    bind: '127.0.0.1', httpsPorts: [o.httpsPort ?? 0], httpPort: null, publicHttpsPort: 443,
    routes: [{ host: DOMAIN, upstream: `http://127.0.0.1:${nodeUp}` }, { host: NGINX, upstream: `http://127.0.0.1:${nginx.port}` }],
    passthrough: { host: '127.0.0.1', port: o.passthroughPort ?? port(pmsTls) },
    challenges: new ChallengeStore(), logger: silentLogger,
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
    ...(o.maxConnectionsPerIp ? { maxConnectionsPerIp: o.maxConnectionsPerIp } : {}),
  });
  d.setCertificate([DOMAIN, NGINX], pem, 'placeholder');
  await d.start();
  cleanups.push(() => d.stop(100));
  return d;
}

const closedWithin = (s: Socket, ms: number) => new Promise<number>((resolve, reject) => {
  const t = Date.now();
  const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
  s.on('error', () => {});
  s.once('close', () => { clearTimeout(timer); resolve(Date.now() - t); });
});

test('1. an Upgrade request with a body is refused (400); the hidden request never reaches nginx', async () => {
  const d = await startDoor();
  const p = d.ports().https[0]!;
  const hidden = 'GET /SMUGGLED HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n';
  const withLength = `GET / HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`;
  const chunked = `GET / HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`;
  for (const attack of [withLength, chunked]) {
    const out = await rawExchange(p, NGINX, attack);
    assert.match(out, /^HTTP\/1\.1 400 /, out);
    assert.doesNotMatch(out, /origin/);
  }
  // an upgrade without a body still works, and what follows it is read as a request of its own
  const ok = await rawExchange(p, NGINX, `GET /up HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
  assert.match(ok, /origin GET \/up[\s\S]*origin GET \/next/);
  const log = await nginx.log();
  assert.ok(!log.some((l) => l.request.includes('SMUGGLED') || l.xff.includes('6.6.6.6')), JSON.stringify(log));
  assert.deepEqual(log.slice(-2).map((l) => [l.request, l.xff]), [['GET /up HTTP/1.1', '127.0.0.1'], ['GET /next HTTP/1.1', '127.0.0.1']]);
});

test('2. status says which names pass through to PMS: this server\'s plex.direct hash once read from PMS\'s certificate', async () => {
  const d = await startDoor();
  const p = d.ports().https[0]!;
  await waitFor('hash learned', () => d.getStatus().passthrough.names === '*.abc123.plex.direct');
  const s = await tlsTo(p, { servername: '10-0-0-2.abc123.plex.direct', ca: plexDirect.cert, rejectUnauthorized: true });
  assert.equal(s.authorized, true);
  s.destroy();
  // another server's plex.direct name and a foreign name get the alert from node's TLS client too
  for (const servername of ['10-0-0-2.def456.plex.direct', 'evil.example.org']) {
    const e = await tlsTo(p, { servername }).then(() => null, (x: Error) => x);
    assert.match(String(e?.message), /unrecognized name|alert number 112/, servername);
  }
  assert.equal(d.getStatus().passthrough.total, 1);
});

test('2. until the hash is known (PMS not answering yet), any *.plex.direct name passes through', async () => {
  const pmsPort = await freePort();
  const d = await startDoor({ passthroughPort: pmsPort });
  const p = d.ports().https[0]!;
  assert.equal(d.getStatus().passthrough.names, '*.plex.direct');
  // no PMS yet: the door tried and passes the connection on (PMS refuses it)
  await assert.rejects(tlsTo(p, { servername: 'x.abc123.plex.direct' }));
  await waitFor('passthrough refused counted', () => d.getStatus().errors['passthrough-refused'] === 1);
  await assert.rejects(tlsTo(p, { servername: 'x.example.org' }), /unrecognized name|alert number 112/);
});

test('3. renegotiation is refused on TLS 1.2 (openssl s_client "R")', async () => {
  const d = await startDoor();
  const p = d.ports().https[0]!;
  const r = await run('sh', ['-c', `(printf 'R\\n'; sleep 1) | openssl s_client -tls1_2 -connect 127.0.0.1:${p} -servername ${DOMAIN} 2>&1`]);
  assert.match(r.stdout, /RENEGOTIATING/);
  assert.match(r.stdout, /no renegotiation/, r.stdout);
});

test('4. a passthrough target that is the door itself: refused at run time, no connection loop', async () => {
  const own = await freePort();
  const d = await startDoor({ httpsPort: own, passthroughPort: own });
  assert.match(d.getStatus().passthrough.names ?? '', /door port/);
  const s = netConnect(own, '127.0.0.1');
  const closed = closedWithin(s, 3000);
  s.write(await clientHello('x.abc123.plex.direct'));
  await closed;
  assert.equal(d.getStatus().errors['passthrough-loop'], 1);
  assert.equal(d.getStatus().passthrough.total, 0, 'the door never connected to itself');
});

test('5. a keep-alive client idle between requests is closed after keepAliveMs; a slow stream and a websocket are not', async () => {
  const d = await startDoor({ timeouts: { keepAliveMs: 300 } });
  const p = d.ports().https[0]!;
  const s = await tlsTo(p, { servername: DOMAIN });
  s.write(`GET /a HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
  await once(s, 'data');
  const ms = await closedWithin(s, 5000);
  assert.ok(ms >= 200, `closed after ${ms} ms`);
  // a stream that pauses for 900 ms (3x the limit) mid-body completes
  const body = await rawExchange(p, DOMAIN, `GET /slow HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
  assert.equal(body.length - body.indexOf('\r\n\r\n') - 4, 200_000);
  // a websocket quiet for 900 ms still echoes
  const ws = new WebSocket(`wss://127.0.0.1:${p}/`, { servername: DOMAIN, headers: { Host: DOMAIN }, rejectUnauthorized: false } as WebSocket.ClientOptions);
  await once(ws, 'open');
  await new Promise((r) => setTimeout(r, 900));
  ws.send('still here');
  const [m] = await once(ws, 'message') as [Buffer];
  assert.equal(String(m), 'still here');
  ws.close();
});

test('5. per-address cap: the connection over the cap is closed at once; freeing one lets the next in', async () => {
  const d = await startDoor({ maxConnectionsPerIp: 5 });
  const p = d.ports().https[0]!;
  const open: Socket[] = [];
  for (let i = 0; i < 5; i++) {
    const s = netConnect(p, '127.0.0.1');
    s.on('error', () => {});
    await once(s, 'connect');
    open.push(s);
  }
  await waitFor('five accepted', () => d.getStatus().errors['per-ip-limit'] === undefined && open.every((s) => !s.destroyed));
  const extra = netConnect(p, '127.0.0.1');
  await closedWithin(extra, 3000);
  assert.equal(d.getStatus().errors['per-ip-limit'], 1);
  open.pop()!.destroy();
  await new Promise((r) => setTimeout(r, 100));
  const r = await run('curl', ['-sk', '--resolve', `${DOMAIN}:${p}:127.0.0.1`, `https://${DOMAIN}:${p}/x`]);
  assert.equal(r.stdout, 'node');
  open.forEach((s) => s.destroy());
});

test('5. a passthrough that stalls after its ClientHello is closed after handshakeMs', async () => {
  const d = await startDoor({ timeouts: { handshakeMs: 500 } });
  const p = d.ports().https[0]!;
  const s = netConnect(p, '127.0.0.1');
  const closed = closedWithin(s, 5000);
  let fromPms = 0;
  s.on('data', (c: Buffer) => { fromPms += c.length; });
  s.write(await clientHello('x.abc123.plex.direct'));
  const ms = await closed;
  assert.ok(fromPms > 0, 'PMS answered the ClientHello');
  assert.ok(ms >= 400, `closed after ${ms} ms`);
  assert.equal(d.getStatus().errors['handshake-timeout'], 1);
});

test('6. hop-by-hop and client-address fields under any spelling are dropped, in heads and in trailers', async () => {
  const d = await startDoor();
  const p = d.ports().https[0]!;
  const before = seen.length;
  const out = await rawExchange(p, DOMAIN, `POST /h HTTP/1.1\r\nHost: ${DOMAIN}\r\nX_Forwarded_For: 10.0.0.1\r\nTrue-Client-IP: 10.0.0.2\r\nX-Client-IP: 10.0.0.3\r\n` +
    'CF-Connecting-IP: 10.0.0.4\r\nX-Cluster-Client-IP: 10.0.0.5\r\nx-forwarded-server: lan\r\nX-Real_IP: 10.0.0.6\r\nConnection: X-Secret, keep-alive, Content-Length\r\nX-Secret: s\r\n' +
    'Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-Forwarded-For\r\nX-Plex-Token: keep\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '3;name=value\r\nabc\r\n0\r\nX-Forwarded-For: 10.0.0.7\r\nX_Real_IP: 10.0.0.8\r\nX-Checksum: 1\r\n\r\n' +
    `GET /end HTTP/1.1\r\nHost: ${DOMAIN}\r\nConnection: close\r\n\r\n`);
  assert.match(out, /node[\s\S]*node$/);
  const h = seen[before]!;
  const names = h.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  for (const gone of ['x_forwarded_for', 'true-client-ip', 'x-client-ip', 'cf-connecting-ip', 'x-cluster-client-ip', 'x-forwarded-server', 'x-real_ip', 'x-secret', 'keep-alive', 'proxy-connection', 'te', 'connection']) {
    assert.ok(!names.includes(gone), `${gone} forwarded: ${names.join(' ')}`);
  }
  assert.deepEqual(names.filter((n) => n === 'x-forwarded-for'), ['x-forwarded-for']);
  assert.equal(h.rawHeaders[h.rawHeaders.findIndex((n, i) => i % 2 === 0 && n.toLowerCase() === 'x-forwarded-for') + 1], '127.0.0.1');
  assert.ok(names.includes('x-plex-token') && names.includes('transfer-encoding'));
  assert.deepEqual(h.rawTrailers, ['X-Checksum', '1']);
});

test('6. TRACE (405), lower-case methods (501), duplicate Content-Length (400), junk chunk extensions (cut) never reach the upstream', async () => {
  const d = await startDoor();
  const p = d.ports().https[0]!;
  const before = seen.length;
  assert.match(await rawExchange(p, DOMAIN, `TRACE / HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`), /^HTTP\/1\.1 405 [\s\S]*Allow: /);
  assert.match(await rawExchange(p, DOMAIN, `get / HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`), /^HTTP\/1\.1 501 /);
  assert.match(await rawExchange(p, DOMAIN, `POST / HTTP/1.1\r\nHost: ${DOMAIN}\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc`), /^HTTP\/1\.1 400 /);
  const cut = await rawExchange(p, DOMAIN, `POST / HTTP/1.1\r\nHost: ${DOMAIN}\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b c\r\nabc\r\n0\r\n\r\n`);
  assert.doesNotMatch(cut, /node/);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(seen.length, before);
});

/** The bytes of a real ClientHello for `servername` (node's TLS client, caught by a TCP server). */
async function clientHello(servername: string): Promise<Buffer> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((resolve) => srv.once('connection', (c) => c.once('data', (b: Buffer) => { resolve(b); c.destroy(); })));
  const s = tlsConnect({ host: '127.0.0.1', port: port(srv), servername, rejectUnauthorized: false });
  s.on('error', () => {});
  const b = await got;
  s.destroy();
  srv.close();
  return b;
}
