// Upstream connection reuse (issue 13): counted with real servers (nginx's connection serials, a
// raw TCP upstream that counts accepts), and session resumption across a certificate swap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer, connect as netConnect, type Socket } from 'node:net';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { createServer as createHttpServer } from 'node:http';
import { Door } from '../../../main/core/proxy/door.ts';
import { Upstream, UpstreamPool, type UpstreamOwner } from '../../../main/core/proxy/upstream-pool.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { nginxOrigin, type NginxOrigin } from '../../helpers/nginx-origin.ts';
import { makeCert, listen, port, tlsTo, rawExchange } from './door-fixtures.ts';

const NGINX = 'nginx.example.com';
const STALE = 'stale.example.com';
const WS = 'ws.example.com';
const CHUNKS = 'chunks.example.com';
const cleanups: (() => unknown)[] = [];
const t0 = { after: (fn: () => unknown) => { cleanups.push(fn); } };
let nginx: NginxOrigin;
let door: Door;
let https: number;
let dir: string;
/** The stale upstream: answers the first request on a connection, and closes the connection when a second one arrives. */
let staleAccepts = 0;
let wsAccepts = 0;
let chunkAccepts = 0;

before(async () => {
  dir = await tmpDir(t0, 'portico-pool-');
  nginx = await nginxOrigin(t0, { bigBytes: 8 * 1024 * 1024 });
  const stale = createNetServer((s) => {
    staleAccepts++;
    let requests = 0;
    let buf = '';
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      const body = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + body) return;
      buf = '';
      // the keep-alive race: the upstream closes the idle connection just as the next request arrives
      if (++requests > 1) return s.resetAndDestroy();
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh');
    });
  });
  await new Promise<void>((r) => stale.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => stale.close(r)));
  const wsUp = createHttpServer((_q, res) => res.end('plain'));
  wsUp.on('connection', () => wsAccepts++);
  new WebSocketServer({ server: wsUp }).on('connection', (ws) => ws.on('message', (m) => ws.send(String(m))));
  await listen(t0, wsUp);
  // Node's own HTTP server: an early hint, then a chunked body with a trailer, to whoever asks in 1.1
  const chunks = createHttpServer((_q, res) => {
    res.writeEarlyHints({ link: '</a.css>; rel=preload' });
    res.setHeader('Trailer', 'X-Sum');
    res.write('hello');
    res.write(', ');
    res.addTrailers({ 'X-Sum': '42' });
    res.end('world');
  });
  chunks.on('connection', () => chunkAccepts++);
  await listen(t0, chunks);
  const pem = makeCert(dir, 'pool', [NGINX, STALE, WS, CHUNKS]);
  door = new Door({
    bind: '127.0.0.1', httpsPorts: [0], httpPort: null, publicHttpsPort: 443,
    routes: [{ host: NGINX, upstream: `http://127.0.0.1:${nginx.port}` }, { host: STALE, upstream: `http://127.0.0.1:${port(stale)}` }, { host: WS, upstream: `http://127.0.0.1:${port(wsUp)}` },
      { host: CHUNKS, upstream: `http://127.0.0.1:${port(chunks)}` }],
    passthrough: { host: '127.0.0.1', port: 1 }, challenges: new ChallengeStore(), logger: silentLogger,
  });
  door.setCertificate([NGINX, STALE, WS, CHUNKS], pem, 'real');
  await door.start();
  https = door.ports().https[0]!;
});

after(async () => {
  await door?.stop(100);
  for (const c of cleanups.reverse()) await c();
});

const connectionsOf = async (from: number) => new Set((await nginx.log()).slice(from).map((l) => l.connection));

test('reuse: three clients one after another are served over one upstream connection', async () => {
  const from = (await nginx.log()).length;
  for (const path of ['/1', '/2', '/3']) {
    const out = await rawExchange(https, NGINX, `GET ${path} HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
    assert.match(out, new RegExp(`origin GET ${path}`));
  }
  assert.equal((await connectionsOf(from)).size, 1, JSON.stringify(await nginx.log()));
});

test('HTTP/1.0 clients: their requests go upstream as HTTP/1.1, over one reused upstream connection', async () => {
  const from = (await nginx.log()).length;
  for (const path of ['/old1', '/old2']) {
    const out = await rawExchange(https, NGINX, `GET ${path} HTTP/1.0\r\nHost: ${NGINX}\r\n\r\n`);
    assert.match(out, new RegExp(`^HTTP/1\\.1 200 [\\s\\S]*\r\nConnection: close\r\n[\\s\\S]*origin GET ${path}\n$`));
  }
  const log = (await nginx.log()).slice(from);
  assert.deepEqual(log.map((l) => l.request), ['GET /old1 HTTP/1.1', 'GET /old2 HTTP/1.1']);
  assert.equal(new Set(log.map((l) => l.connection)).size, 1, JSON.stringify(log));
});

test('HTTP/1.0 clients get a chunked answer de-chunked and no early hints; 1.1 clients get both; one upstream connection serves them all', { timeout: 20_000 }, async () => {
  const old = async () => {
    const out = await rawExchange(https, CHUNKS, `GET / HTTP/1.0\r\nHost: ${CHUNKS}\r\n\r\n`);
    const [head, body] = [out.slice(0, out.indexOf('\r\n\r\n')), out.slice(out.indexOf('\r\n\r\n') + 4)];
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(head, /transfer-encoding|103/i);
    assert.match(head, /\r\nConnection: close$/);
    assert.equal(body, 'hello, world');
  };
  await old();
  await old();
  const now = await rawExchange(https, CHUNKS, `GET / HTTP/1.1\r\nHost: ${CHUNKS}\r\nConnection: close\r\n\r\n`);
  assert.match(now, /^HTTP\/1\.1 103 Early Hints\r\n/);
  assert.match(now, /\r\nTransfer-Encoding: chunked\r\n[\s\S]*\r\n0\r\nX-Sum: 42\r\n\r\n$/);
  assert.equal(chunkAccepts, 1);
});

test('affinity: a kept-alive client gets its own upstream connection back when it is still idle', async () => {
  const from = (await nginx.log()).length;
  // a client that reads its own answers, one request at a time, on one connection
  const keepAlive = async () => {
    const s = await tlsTo(https, { servername: NGINX });
    let buf = '';
    s.on('data', (c: Buffer) => { buf += c.toString('latin1'); });
    return async (path: string) => {
      buf = '';
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${NGINX}\r\n\r\n`);
      await waitFor(`answer to ${path}`, () => new RegExp(`origin GET ${path}\n$`).test(buf));
    };
  };
  // one client holds an upstream connection with a download it has stopped reading...
  const slow = await tlsTo(https, { servername: NGINX });
  let got = 0;
  slow.on('data', (c: Buffer) => { if (got === 0) slow.pause(); got += c.length; });
  slow.write(`GET /big HTTP/1.1\r\nHost: ${NGINX}\r\n\r\n`);
  await waitFor('download started', () => got > 0);
  // ...while a kept-alive client is served on a second one
  const b = await keepAlive();
  await b('/b1');
  // the download ends after it: the most recently used idle connection is now not b's
  slow.resume();
  await waitFor('download done', () => got >= 8 * 1024 * 1024);
  await new Promise((r) => setTimeout(r, 50));
  await b('/b2');
  slow.destroy();
  const log = (await nginx.log()).slice(from);
  const conn = (path: string) => log.find((l) => l.request.startsWith(`GET ${path} `))?.connection;
  assert.notEqual(conn('/big'), conn('/b1'), 'two upstream connections');
  assert.equal(conn('/b2'), conn('/b1'), 'b got its own connection back, not the one used last');
});

test("hop-by-hop answers: the upstream's Connection and Keep-Alive never reach the client; a client that asked to close is told Connection: close", async () => {
  // nginx answers every request with `Connection: keep-alive` (the door's own hop to it)
  const closing = await rawExchange(https, NGINX, `GET /bye HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
  const head = closing.slice(0, closing.indexOf('\r\n\r\n'));
  assert.match(head, /^HTTP\/1\.1 200 /);
  assert.deepEqual(head.split('\r\n').filter((l) => /^(connection|keep-alive):/i.test(l)), ['Connection: close']);
  // a kept-alive client sees no Connection field at all, and its connection carries the next request
  const s = await tlsTo(https, { servername: NGINX });
  let out = '';
  s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
  s.write(`GET /one HTTP/1.1\r\nHost: ${NGINX}\r\n\r\n`);
  await waitFor('first answer', () => out.includes('origin GET /one\n'));
  assert.doesNotMatch(out, /\r\n(connection|keep-alive):/i);
  s.write(`GET /two HTTP/1.1\r\nHost: ${NGINX}\r\n\r\n`);
  await waitFor('second answer on the same connection', () => out.includes('origin GET /two\n'));
  s.destroy();
});

test('a stale pooled connection: GET is retried on a fresh connection transparently; POST gets a 502', async () => {
  const first = await rawExchange(https, STALE, `GET /a HTTP/1.1\r\nHost: ${STALE}\r\nConnection: close\r\n\r\n`);
  assert.match(first, /fresh$/);
  assert.equal(staleAccepts, 1);
  const again = await rawExchange(https, STALE, `GET /b HTTP/1.1\r\nHost: ${STALE}\r\nConnection: close\r\n\r\n`);
  assert.match(again, /^HTTP\/1\.1 200 OK[\s\S]*fresh$/);
  assert.equal(staleAccepts, 2, 'the retry opened a fresh connection');
  assert.equal(door.getStatus().errors['upstream-retried'], 1);
  // the fresh one went back to the pool; a POST on it meets the same race and is not replayed
  const post = await rawExchange(https, STALE, `POST /c HTTP/1.1\r\nHost: ${STALE}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`);
  assert.match(post, /^HTTP\/1\.1 502 /);
  assert.equal(staleAccepts, 2, 'no second attempt for a POST');
  assert.equal(door.getStatus().errors['upstream-retried'], 1);
});

test('an upgraded connection, or one that carried a refused upgrade, never goes back to the pool', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${https}/`, { servername: WS, headers: { Host: WS }, rejectUnauthorized: false } as WebSocket.ClientOptions);
  await once(ws, 'open');
  ws.send('hi');
  await once(ws, 'message');
  ws.close();
  await once(ws, 'close');
  const before = wsAccepts;
  const out = await rawExchange(https, WS, `GET / HTTP/1.1\r\nHost: ${WS}\r\nConnection: close\r\n\r\n`);
  assert.match(out, /plain$/);
  assert.equal(wsAccepts, before + 1, 'a new upstream connection after the websocket');
  // nginx answers an Upgrade with 200: that connection is not reused either
  const from = (await nginx.log()).length;
  await rawExchange(https, NGINX, `GET /up HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n`);
  await rawExchange(https, NGINX, `GET /after HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
  const log = (await nginx.log()).slice(from);
  assert.equal(log.length, 2);
  assert.notEqual(log[0]!.connection, log[1]!.connection);
});

test('a slow client holds no pooled connection: others are served meanwhile, and its connection comes back after', async () => {
  const from = (await nginx.log()).length;
  // a client that takes a small response and never reads it: the connection is free at once
  const lazy = await tlsTo(https, { servername: NGINX });
  lazy.pause();
  lazy.write(`GET /small HTTP/1.1\r\nHost: ${NGINX}\r\n\r\n`);
  await waitFor('nginx served it', async () => (await nginx.log()).length > from);
  await new Promise((r) => setTimeout(r, 100));
  await rawExchange(https, NGINX, `GET /next HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
  assert.equal((await connectionsOf(from)).size, 1, 'the unread response did not hold the upstream connection');
  lazy.destroy();
  // a client reading 8 MiB slowly holds its own connection only: another client is served at once
  const slow = await tlsTo(https, { servername: NGINX });
  let got = 0;
  slow.on('data', (c: Buffer) => { got += c.length; slow.pause(); setTimeout(() => slow.resume(), 20); });
  slow.write(`GET /big HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
  await waitFor('download started', () => got > 0);
  const t = Date.now();
  const other = await rawExchange(https, NGINX, `GET /meanwhile HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
  assert.match(other, /origin GET \/meanwhile/);
  assert.ok(Date.now() - t < 3000);
  assert.ok(got < 8 * 1024 * 1024, 'still downloading');
  slow.destroy();
});

test('session resumption works across a certificate swap (one ticket key per door)', async () => {
  const first = await tlsTo(https, { servername: NGINX });
  const session = await new Promise<Buffer>((resolve) => { first.once('session', resolve); first.write(`GET / HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`); });
  first.destroy();
  door.setCertificate([NGINX, STALE, WS, CHUNKS], makeCert(dir, 'pool-2', [NGINX, STALE, WS, CHUNKS]), 'real');
  const second = await tlsTo(https, { servername: NGINX, session });
  assert.equal(second.isSessionReused(), true);
  second.write(`GET /resumed HTTP/1.1\r\nHost: ${NGINX}\r\nConnection: close\r\n\r\n`);
  let out = '';
  second.on('data', (c: Buffer) => { out += c; });
  await once(second, 'end');
  assert.match(out, /origin GET \/resumed/);
});

test('UpstreamPool: idle connections close after idleMs, when the upstream closes them, and beyond the cap', async () => {
  const accepted: Socket[] = [];
  const srv = createNetServer((s) => { accepted.push(s); s.on('error', () => {}); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => srv.close(r)));
  const dial = async () => { const s = netConnect(port(srv), '127.0.0.1'); await once(s, 'connect'); return s; };
  const pool = new UpstreamPool({ maxIdlePerUpstream: 2, idleMs: 300 });
  const owner: UpstreamOwner = { onUpstreamConnect: () => {}, onUpstreamData: () => {}, onUpstreamEnd: () => {}, onUpstreamGone: () => {} };
  const [a, b, c] = [await dial(), await dial(), await dial()].map((s) => new Upstream('k', s, false)) as [Upstream, Upstream, Upstream];
  pool.give(a);
  pool.give(b);
  pool.give(c);
  assert.equal(pool.idleCount, 2);
  assert.equal(c.socket.destroyed, true, 'over the cap');
  await waitFor('server saw three', () => accepted.length === 3);
  accepted[1]!.end(); // the upstream closes b while idle
  await waitFor('b dropped', () => b.socket.destroyed && pool.idleCount === 1);
  assert.equal(pool.take('k', owner), a, 'a is still good');
  assert.equal(a.owner, owner);
  assert.equal(pool.take('k', owner), null);
  pool.give(a);
  const t = Date.now();
  await waitFor('idle timeout', () => a.socket.destroyed);
  assert.ok(Date.now() - t >= 250, `closed after ${Date.now() - t} ms`);
  assert.equal(pool.idleCount, 0);
  assert.equal(pool.take('k', owner), null);
});
