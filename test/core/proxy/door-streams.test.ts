import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createHttpServer, type ServerResponse, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EventEmitter, once } from 'node:events';
import { waitFor } from '../../helpers/wait-for.ts';
import { makeCert, listen, port, tlsTo, run } from './door-fixtures.ts';

const HOST = 'bulk.example.com';
const GIB = 1024 ** 3;
const KEY = Buffer.alloc(16, 0x5a);

/** Deterministic bytes of a 1 GiB "movie": the AES-128-CTR keystream, so any range can be made on demand. */
function* movie(start: number, end: number, piece = 1024 * 1024): Generator<Buffer> {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(Math.floor(start / 16)), 8);
  const c = createCipheriv('aes-128-ctr', KEY, iv);
  let skip = start % 16;
  for (let pos = start - skip; pos <= end;) {
    const n = Math.min(piece, end + 1 - pos);
    let b = c.update(Buffer.alloc(n));
    pos += n;
    if (skip) { b = b.subarray(skip); skip = 0; }
    yield b;
  }
}

const events = new EventEmitter();
const sent = new Map<string, { bytes: number; sha256: string }>();
let inFlightSent = 0;

function drainedOrClosed(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (v: boolean) => { res.off('drain', onDrain); res.off('close', onClose); resolve(v); };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Stream a range of the movie with backpressure; remember the hash of what was sent. */
async function serveMovie(id: string, res: ServerResponse, start: number, end: number): Promise<void> {
  const h = createHash('sha256');
  let bytes = 0;
  for (const b of movie(start, end)) {
    h.update(b);
    bytes += b.length;
    inFlightSent = bytes;
    if (!res.write(b) && !(await drainedOrClosed(res))) return;
  }
  res.end();
  sent.set(id, { bytes, sha256: h.digest('hex') });
}

const cleanups: (() => unknown)[] = [];
const t0 = { after: (fn: () => unknown) => { cleanups.push(fn); } };
let child: ChildProcess;
let https: number;
let hdrDir: string;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-streams-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  hdrDir = dir;
  const up = createHttpServer((req, res) => {
    const id = String(req.headers['x-test-id'] ?? req.url);
    if (req.url === '/upload') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => { h.update(c); n += c.length; events.emit('upload-progress', n); });
      req.on('end', () => res.end(JSON.stringify({ bytes: n, sha256: h.digest('hex'), te: req.headers['transfer-encoding'] })));
      return;
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    if (range) {
      const [s, e] = [Number(range[1]), Number(range[2])];
      res.writeHead(206, { 'Content-Length': e - s + 1, 'Content-Range': `bytes ${s}-${e}/${GIB}`, 'Accept-Ranges': 'bytes' });
      void serveMovie(id, res, s, e);
    } else {
      res.writeHead(200, { 'Content-Length': GIB, 'Accept-Ranges': 'bytes' });
      void serveMovie(id, res, 0, GIB - 1);
    }
  });
  await listen(t0, up);
  const pem = makeCert(dir, 'bulk', [HOST]);
  child = fork(new URL('./fixtures/door-child.ts', import.meta.url), [JSON.stringify({
    routes: [{ host: HOST, upstream: `http://127.0.0.1:${port(up)}` }], passthrough: { host: '127.0.0.1', port: 1 }, hosts: [HOST], ...pem,
  })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanups.push(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const [msg] = await once(child, 'message') as [{ https: number }];
  https = msg.https;
});

after(async () => {
  if (child?.connected) { child.send('stop'); await once(child, 'exit'); }
  for (const c of cleanups.reverse()) await c();
});

const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);

test('a slow reader does not make the door buffer: upstream is held back, RSS stays flat', async () => {
  const s = await tlsTo(https, { servername: HOST });
  let got = 0;
  s.on('data', (c: Buffer) => { got += c.length; s.pause(); });
  s.write(`GET /slow HTTP/1.1\r\nHost: ${HOST}\r\nX-Test-Id: slow\r\n\r\n`);
  await waitFor('first bytes', () => got > 0);
  const rss0 = rssKiB();
  // read 64 KiB every 100 ms for 1.5 s: ~1 MB while the upstream could send gigabytes
  for (let i = 0; i < 15; i++) { await new Promise((r) => setTimeout(r, 100)); s.resume(); }
  const rss1 = rssKiB();
  const upstreamAhead = inFlightSent - got;
  s.destroy();
  assert.ok(upstreamAhead < 32 * 1024 * 1024, `upstream got ${(upstreamAhead / 1048576).toFixed(1)} MiB ahead of the reader`);
  assert.ok(rss1 - rss0 < 32 * 1024, `door RSS grew ${rss1 - rss0} KiB`);
});

test('1 GiB download byte-exact (sha256) through the door, with a Range request in the middle', { timeout: 120_000 }, async () => {
  const resolve = `--resolve ${HOST}:${https}:127.0.0.1`;
  const full = run('sh', ['-c', `curl -sk ${resolve} -H 'X-Test-Id: full' -D ${hdrDir}/full.txt https://${HOST}:${https}/movie.mkv | sha256sum`], 120_000);
  await new Promise((r) => setTimeout(r, 300));
  const mid = await run('sh', ['-c', `curl -sk ${resolve} -H 'X-Test-Id: mid' -r 500000000-510485759 -D ${hdrDir}/mid.txt https://${HOST}:${https}/movie.mkv | sha256sum`], 60_000);
  const midHead = readFileSync(join(hdrDir, 'mid.txt'), 'utf8');
  assert.match(midHead, /HTTP\/1\.1 206/, mid.stderr);
  assert.match(midHead, /Content-Range: bytes 500000000-510485759\/1073741824/i);
  assert.equal(mid.stdout.split(' ')[0], sent.get('mid')?.sha256);
  assert.equal(sent.get('mid')?.bytes, 10485760);
  const f = await full;
  assert.match(readFileSync(join(hdrDir, 'full.txt'), 'utf8'), /HTTP\/1\.1 200/, f.stderr);
  await waitFor('upstream finished', () => sent.get('full'));
  assert.equal(sent.get('full')!.bytes, GIB);
  assert.equal(f.stdout.split(' ')[0], sent.get('full')!.sha256);
});

test('a chunked upload is streamed to the upstream, not buffered', { timeout: 60_000 }, async () => {
  const PIECE = 256 * 1024, PIECES = 128; // 32 MiB
  const h = createHash('sha256');
  const req = httpsRequest({ host: '127.0.0.1', port: https, servername: HOST, headers: { Host: HOST, 'Transfer-Encoding': 'chunked' }, method: 'POST', path: '/upload', rejectUnauthorized: false });
  const res = once(req, 'response');
  const first = Buffer.alloc(PIECE * 4, 1);
  h.update(first);
  req.write(first);
  // The upstream must see the first MiB while the client is still holding the rest back.
  await new Promise<void>((r) => { const f = (n: number) => { if (n >= first.length) { events.off('upload-progress', f); r(); } }; events.on('upload-progress', f); });
  for (const b of movie(0, PIECE * PIECES - 1, PIECE)) {
    h.update(b);
    if (!req.write(b)) await once(req, 'drain');
  }
  req.end();
  const [r] = await res as [IncomingMessage];
  let body = '';
  for await (const c of r) body += c;
  const got = JSON.parse(body) as { bytes: number; sha256: string; te: string };
  assert.equal(got.te, 'chunked');
  assert.equal(got.bytes, first.length + PIECE * PIECES);
  assert.equal(got.sha256, h.digest('hex'));
});
