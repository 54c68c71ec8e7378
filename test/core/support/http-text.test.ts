import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { HttpFailure, httpText } from '../../../main/core/support/http-text.ts';

/** What httpText rejects with for `url` (it must reject). */
async function failure(url: string, timeoutMs: number, headers?: Record<string, string>): Promise<HttpFailure> {
  try {
    await httpText(url, { timeoutMs, ...(headers ? { headers } : {}) });
  } catch (e) {
    assert.ok(e instanceof HttpFailure, String(e));
    return e;
  }
  throw new Error(`${url} did not fail`);
}

/** A loopback TCP server; its connections are cut when the test ends, so closing it never waits on them. */
async function listen(t: { after(fn: () => unknown): void }, onConnection: (sock: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const s: Server = createServer((sock) => { sockets.add(sock); onConnection(sock); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { for (const sock of sockets) sock.destroy(); s.close(r); }));
  return (s.address() as AddressInfo).port;
}

test('the answer comes back whole: status, its words, lower-case headers, the body as text; the request carries method, headers and body', async (t) => {
  let seen = { method: '', auth: '', body: '' };
  const s = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      seen = { method: req.method ?? '', auth: req.headers.authorization ?? '', body };
      res.writeHead(201, 'Made It', { 'Content-Type': 'text/plain; charset=utf-8' });
      // In two writes, with a character of more than one byte split by neither.
      res.write('héllo ');
      res.end('wörld');
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => s.close(r)));
  const r = await httpText(`http://127.0.0.1:${(s.address() as AddressInfo).port}/x`, { method: 'POST', headers: { Authorization: 'Bearer t' }, body: 'ünïcode', timeoutMs: 5000 });
  assert.equal(r.status, 201);
  assert.equal(r.ok, true);
  assert.equal(r.statusText, 'Made It');
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(r.body, 'héllo wörld');
  assert.deepEqual(seen, { method: 'POST', auth: 'Bearer t', body: 'ünïcode' });
});

test('a closed port reads "connection refused"', async () => {
  // Take a free port and close it again: nothing listens there now.
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
  const e = await failure(`http://127.0.0.1:${closed}/`, 5000);
  assert.equal(e.message, 'connection refused');
  assert.equal(e.code, 'ECONNREFUSED');
});

test('a server that never answers reads "no answer within N s"', async (t) => {
  const port = await listen(t, () => {});
  assert.equal((await failure(`http://127.0.0.1:${port}/`, 300)).message, 'no answer within 0.3 s');
});

test('an answer that stops halfway also reads as the timeout, not as a short body', async (t) => {
  const port = await listen(t, (sock) => { sock.once('data', () => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart')); });
  assert.equal((await failure(`http://127.0.0.1:${port}/`, 300)).message, 'no answer within 0.3 s');
});

test('a connection cut before the answer reads as the system\'s code', async (t) => {
  const port = await listen(t, (sock) => { sock.once('data', () => sock.destroy()); });
  const why = (await failure(`http://127.0.0.1:${port}/`, 5000)).message;
  assert.match(why, /^[A-Z_]+$/, why);
  assert.notEqual(why, 'connection refused');
});

test('a header value with a line break is refused in words that do not quote it', async (t) => {
  const port = await listen(t, () => {});
  const e = await failure(`http://127.0.0.1:${port}/`, 5000, { authorization: 'Bearer secret-token\n' });
  assert.match(e.message, /line break/);
  assert.doesNotMatch(e.message, /secret-token/);
});

test('a URL that is not http(s) is refused before anything is sent', async () => {
  assert.equal((await failure('ftp://127.0.0.1/', 5000)).message, 'not an http(s) URL');
  assert.equal((await failure('nonsense', 5000)).message, 'not an http(s) URL');
});

test('https: a certificate the given CA did not sign is named as untrusted; with that CA the answer comes', async (t) => {
  const dir = await tmpDir(t);
  const ca = makeTestCa(dir, ['localhost']);
  const s = createHttpsServer({ key: ca.keyPem, cert: ca.certPem }, (_req, res) => res.end('fine'));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => s.close(r)));
  const url = `https://localhost:${(s.address() as AddressInfo).port}/`;
  assert.match((await failure(url, 5000)).message, /^the server's certificate is not trusted \([A-Z_]+\)$/);
  assert.equal((await httpText(url, { timeoutMs: 5000, ca: ca.caPem })).body, 'fine');
});
