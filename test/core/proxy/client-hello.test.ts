import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { parseClientHello, MAX_CLIENT_HELLO_BYTES } from '../../../main/core/proxy/client-hello.ts';

/** The first bytes a real Node/OpenSSL client sends, captured from a socket. */
async function captureHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((resolve) => {
    srv.once('connection', (s) => {
      let b = Buffer.alloc(0);
      s.on('data', (c: Buffer) => {
        b = Buffer.concat([b, c]);
        if (parseClientHello(b).kind !== 'need-more') { resolve(b); s.destroy(); }
      });
    });
  });
  const c = tlsConnect({ port: (srv.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, ...opts });
  c.on('error', () => {});
  const b = await got;
  c.destroy();
  srv.close();
  return b;
}

/** Re-frame a handshake message into records of at most `size` payload bytes. */
function reRecord(hello: Buffer, size: number): Buffer {
  const hs = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const out: Buffer[] = [];
  for (let i = 0; i < hs.length; i += size) {
    const part = hs.subarray(i, i + size);
    const h = Buffer.from([0x16, 3, 1, 0, 0]);
    h.writeUInt16BE(part.length, 3);
    out.push(h, part);
  }
  return Buffer.concat(out);
}

/** A deterministic PRNG so a failing fuzz case can be reproduced from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('reads SNI and ALPN from a real client hello', async () => {
  const b = await captureHello({ servername: 'Plex.Example.com', ALPNProtocols: ['h2', 'http/1.1'] });
  assert.deepEqual(parseClientHello(b), { kind: 'hello', sni: 'plex.example.com', alpn: ['h2', 'http/1.1'] });
});

test('no SNI (client dialing an IP) and acme-tls/1', async () => {
  const noSni = await captureHello({});
  const r = parseClientHello(noSni);
  assert.equal(r.kind, 'hello');
  assert.equal(r.kind === 'hello' && r.sni, undefined);
  const acme = await captureHello({ servername: 'a.example.com', ALPNProtocols: ['acme-tls/1'] });
  assert.deepEqual(parseClientHello(acme), { kind: 'hello', sni: 'a.example.com', alpn: ['acme-tls/1'] });
});

test('every prefix is need-more, and records split many ways give the same answer', async () => {
  const b = await captureHello({ servername: 'x.plex.direct', ALPNProtocols: ['http/1.1'] });
  const want = parseClientHello(b);
  for (let i = 0; i < b.length; i++) assert.equal(parseClientHello(b.subarray(0, i)).kind, 'need-more', `prefix ${i}`);
  for (const size of [1, 2, 3, 7, 100, 511]) {
    const split = reRecord(b, size);
    assert.deepEqual(parseClientHello(split), want, `records of ${size}`);
    for (let i = 0; i < split.length; i += 13) assert.equal(parseClientHello(split.subarray(0, i)).kind, 'need-more');
  }
});

test('plain HTTP and garbage are invalid at once', () => {
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'invalid');
  assert.equal(parseClientHello(Buffer.from([0x16, 2, 0, 0, 5])).kind, 'invalid');
  assert.equal(parseClientHello(Buffer.from([0x16, 3, 1, 0, 0])).kind, 'invalid');
  assert.equal(parseClientHello(Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0])).kind, 'invalid');
});

test('oversized hellos are refused, not buffered', () => {
  const h = Buffer.from([0x16, 3, 1, 0x40, 0x00, 1, 0x01, 0x00, 0x00]);
  assert.equal(parseClientHello(h).kind, 'invalid');
  // many tiny records carrying a hello that never ends
  const rec = Buffer.from([0x16, 3, 1, 0, 1, 0]);
  const first = Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0x3f, 0xff]);
  const big = Buffer.concat([first, ...Array.from({ length: MAX_CLIENT_HELLO_BYTES / 6 + 10 }, () => rec)]);
  assert.equal(parseClientHello(big).kind, 'invalid');
});

test('fuzz: 100,000+ random, mutated, truncated and re-split hellos never throw', async () => {
  const seeds = [
    await captureHello({ servername: 'plex.example.com', ALPNProtocols: ['http/1.1'] }),
    await captureHello({}),
    await captureHello({ servername: 'abc.def.plex.direct', ALPNProtocols: ['acme-tls/1'] }),
  ];
  const rand = rng(20261129);
  const pick = (n: number) => Math.floor(rand() * n);
  const kinds = { hello: 0, 'need-more': 0, invalid: 0 };
  const N = 120_000;
  for (let i = 0; i < N; i++) {
    let b: Buffer;
    const base = seeds[i % seeds.length]!;
    switch (i % 6) {
      case 0: b = Buffer.from(Array.from({ length: pick(300) }, () => pick(256))); if (b.length) b[0] = 0x16; break;
      case 1: b = Buffer.from(base); for (let k = 0, n = 1 + pick(8); k < n; k++) b[pick(b.length)] = pick(256); break;
      case 2: b = base.subarray(0, pick(base.length + 1)); break;
      case 3: b = reRecord(base, 1 + pick(300)); if (rand() < 0.5) b = b.subarray(0, pick(b.length + 1)); break;
      case 4: { b = Buffer.from(base); const p = 5 + pick(b.length - 6); b.writeUInt16BE(pick(65536), p); break; }
      default: b = Buffer.concat([base.subarray(0, pick(base.length)), Buffer.from(Array.from({ length: pick(64) }, () => pick(256)))]);
    }
    const r = parseClientHello(b);
    kinds[r.kind]++;
    if (r.kind === 'hello' && r.sni !== undefined) assert.match(r.sni, /^[a-z0-9_.-]+$/);
  }
  assert.equal(kinds.hello + kinds['need-more'] + kinds.invalid, N);
  // the mutations reach every outcome, so the fuzz exercises the whole parser
  assert.ok(kinds.hello > 1000 && kinds['need-more'] > 1000 && kinds.invalid > 1000, JSON.stringify(kinds));
});
