import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestHead } from '../../../main/core/proxy/http-request-head.ts';
import { ChunkedBody } from '../../../main/core/proxy/chunked-body.ts';

const head = (s: string) => parseRequestHead(Buffer.from(s, 'latin1'));

test('a normal request: size, framing, headers in order', () => {
  const r = head('GET /library HTTP/1.1\r\nHost: plex.example.com\r\nX-Plex-Token: abc\r\n\r\nNEXT');
  assert.equal(r.kind, 'head');
  if (r.kind !== 'head') return;
  assert.equal(r.size, 'GET /library HTTP/1.1\r\nHost: plex.example.com\r\nX-Plex-Token: abc\r\n\r\n'.length);
  assert.deepEqual(r.headers, [['Host', 'plex.example.com'], ['X-Plex-Token', 'abc']]);
  assert.deepEqual(r.body, { kind: 'none' });
  const p = head('POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n');
  assert.deepEqual(p.kind === 'head' && p.body, { kind: 'length', length: 12 });
  const c = head('POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.deepEqual(c.kind === 'head' && c.body, { kind: 'chunked' });
  const w = head('GET /:/websockets/notifications HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.equal(w.kind === 'head' && w.upgrade, true);
});

test('incomplete heads ask for more; oversize heads are refused', () => {
  assert.equal(head('GET / HTTP/1.1\r\nHost: a\r\n').kind, 'need-more');
  const big = head('GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'a'.repeat(40_000));
  assert.deepEqual(big.kind === 'invalid' && big.status, 431);
});

const SMUGGLING: [string, string][] = [
  ['CL + TE', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['differing duplicate CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n'],
  ['CL list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 4\r\n\r\n'],
  ['signed CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\n'],
  ['TE not chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
  ['TE chunked twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['TE obfuscated', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n'],
  ['TE with space before colon', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n'],
  ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n'],
  ['bare LF', 'GET / HTTP/1.1\nHost: a\n\n'],
  ['bare LF in a field', 'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n'],
  ['bare CR', 'GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n'],
  ['NUL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n'],
  ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
  ['no Host', 'GET / HTTP/1.1\r\nX: y\r\n\r\n'],
  ['bad request line', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ['CONNECT', 'CONNECT 10.0.0.1:22 HTTP/1.1\r\nHost: 10.0.0.1:22\r\n\r\n'],
  ['identical duplicate CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n'],
  ['upgrade with a Content-Length body', 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\n'],
  ['upgrade with a chunked body', 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['junk in a Connection option', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close, x y\r\n\r\n'],
];
for (const [name, raw] of SMUGGLING) {
  test(`rejects: ${name}`, () => assert.equal(head(raw).kind, 'invalid'));
}

test('methods: case-sensitive upper case only (501), TRACE and CONNECT refused (405)', () => {
  const status = (raw: string) => { const r = head(raw); return r.kind === 'invalid' ? r.status : r.kind; };
  assert.equal(status('get / HTTP/1.1\r\nHost: a\r\n\r\n'), 501);
  assert.equal(status('Get / HTTP/1.1\r\nHost: a\r\n\r\n'), 501);
  assert.equal(status('TRACE / HTTP/1.1\r\nHost: a\r\n\r\n'), 405);
  assert.equal(status('CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r\n'), 405);
  for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', 'VERSION-CONTROL']) assert.equal(status(`${m} / HTTP/1.1\r\nHost: a\r\n\r\n`), 'head', m);
});

test('Connection options are read; close is wanted for Connection: close and for HTTP/1.0', () => {
  const r = head('GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, X-Secret\r\nConnection: ,close\r\n\r\n');
  assert.deepEqual(r.kind === 'head' && [r.connection, r.close], [['keep-alive', 'x-secret', 'close'], true]);
  const k = head('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(k.kind === 'head' && k.close, false);
  const old = head('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  assert.equal(old.kind === 'head' && old.close, true);
  // an upgrade without a body (Content-Length: 0 is no body) is fine
  const u = head('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n');
  assert.equal(u.kind === 'head' && u.upgrade, true);
  // RFC 9110 7.8: HTTP/1.0 has no upgrade; the field is ignored
  const u10 = head('GET /ws HTTP/1.0\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.equal(u10.kind === 'head' && u10.upgrade, false);
});

test('chunked body: finds the exact end, across any split', () => {
  const body = Buffer.from('5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: y\r\n\r\nGET /next');
  const end = body.indexOf('GET /next');
  for (let split = 1; split < body.length; split++) {
    const c = new ChunkedBody();
    const a = c.feed(body.subarray(0, split), 0);
    assert.notEqual(a.kind, 'invalid');
    let used = a.kind === 'invalid' ? 0 : a.used;
    let data = a.kind === 'invalid' ? 0 : a.data;
    let trailers = a.kind === 'done' ? a.trailers : [];
    if (a.kind === 'more') {
      const b = c.feed(body, split);
      assert.equal(b.kind, 'done', `split ${split}`);
      used += b.kind === 'done' ? b.used : 0;
      data += b.kind === 'done' ? b.data : 0;
      trailers = b.kind === 'done' ? b.trailers : [];
    }
    assert.equal(used, end, `split ${split}`);
    assert.equal(data, body.indexOf('X-Trailer'), `split ${split}: data ends where the trailer section starts`);
    assert.deepEqual(trailers, [['X-Trailer', 'y']]);
  }
});

test('chunk extensions: the RFC 9112 grammar passes, junk is refused', () => {
  const feed = (s: string) => new ChunkedBody().feed(Buffer.from(`${s}\r\nhello\r\n0\r\n\r\n`, 'latin1'), 0).kind;
  for (const ok of ['5;a', '5;a=b', '5 ; a = b', '5;a="q \\"x\\" y";c', '5;a=b;c=d']) assert.equal(feed(ok), 'done', ok);
  for (const junk of ['5;', '5 ', '5;a=b c', '5;a==b', '5;a="unterminated', '5;a=b\x01', '5;a=(b)', '5;a=\xff', '5;a\tb']) {
    assert.equal(feed(junk), 'invalid', JSON.stringify(junk));
  }
});

test('chunked body: malformed framing is rejected', () => {
  for (const bad of ['x\r\n', '5\nhello\r\n', '5\r\nhelloX\r\n', '-1\r\n', '1234567890abcdef0\r\n', '0\r\n folded\r\n\r\n', '0\r\nA: b\n\r\n',
    '0\r\nno-colon\r\n\r\n', '0\r\nA B: c\r\n\r\n', '0\r\nA: b\x00c\r\n\r\n']) {
    assert.equal(new ChunkedBody().feed(Buffer.from(bad), 0).kind, 'invalid', JSON.stringify(bad));
  }
});
