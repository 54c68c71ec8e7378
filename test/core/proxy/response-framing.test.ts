import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseFraming, HSTS_HEADER } from '../../../main/core/proxy/response-framing.ts';

const RESPONSES = [
  'HTTP/1.1 100 Continue\r\n\r\n',
  'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\nKeep-Alive: timeout=20\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nHTTP\r\n0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', // answer to HEAD: no body
  'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
  'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-3/10\r\nContent-Length: 4\r\nStrict-Transport-Security: max-age=1\r\n\r\n\r\n\r\n',
];
const METHODS = ['POST', 'GET', 'HEAD', 'GET', 'GET'];
const stream = Buffer.from(RESPONSES.join(''), 'latin1');

test("HSTS added to every final response head, the upstream's hop-by-hop fields dropped, bodies untouched, however the bytes are split", () => {
  for (let split = 1; split < stream.length; split += 3) {
    const h = new ResponseFraming(true);
    METHODS.forEach((m) => h.onRequest(m, false));
    const first = h.feed(stream.subarray(0, split));
    assert.ok(h.pending > 0, `split ${split}: responses still outstanding`);
    const out = Buffer.concat([first, h.feed(stream.subarray(split))]).toString('latin1');
    assert.equal(h.pending, 0, `split ${split}: every response complete`);
    assert.equal(h.reusable, true);
    const want = RESPONSES.map((r, i) => (i === 0 || i === 5 ? r : r.replace('\r\n\r\n', `\r\n${HSTS_HEADER}\r\n\r\n`)))
      .join('').replace('Connection: keep-alive\r\n', '').replace('Keep-Alive: timeout=20\r\n', '');
    assert.equal(out, want, `split ${split}`);
  }
});

test('without HSTS the hop-by-hop lines are dropped in place, however the bytes are split', () => {
  const answers = 'HTTP/1.1 200 OK\r\nServer: x\r\nConnection: keep-alive\r\nContent-Length: 2\r\nKeep-Alive: timeout=20\r\nETag: "e"\r\n\r\nok' +
    'HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n';
  const want = answers.replaceAll('Connection: keep-alive\r\n', '').replace('Keep-Alive: timeout=20\r\n', '');
  for (let split = 0; split < answers.length; split++) {
    const f = new ResponseFraming(false);
    f.onRequest('GET', false);
    f.onRequest('GET', false);
    const bytes = Buffer.from(answers, 'latin1');
    const parts = split === 0 ? [f.feed(bytes)] : [f.feed(bytes.subarray(0, split)), f.feed(bytes.subarray(split))];
    assert.equal(Buffer.concat(parts).toString('latin1'), want, `split ${split}`);
    assert.deepEqual([f.pending, f.reusable], [0, true]);
  }
});

test('a 101 or a body to the end of the connection turns into a raw pass-through', () => {
  const h = new ResponseFraming(true);
  h.onRequest('GET', false);
  const out = (h.feed(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'))).toString();
  assert.deepEqual([h.upgraded, h.reusable], [true, false]);
  assert.equal(out, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nHTTP/1.1 200 OK\r\n\r\n');
  const c = new ResponseFraming(true);
  c.onRequest('GET', false);
  const o2 = (c.feed(Buffer.from('HTTP/1.0 200 OK\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'))).toString();
  assert.equal(o2, `HTTP/1.0 200 OK\r\n${HSTS_HEADER}\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\n\r\n`, 'the client is closed after it, and told so');
  assert.equal(c.pending, 1, 'a body to the end of the connection ends only with it');
  c.onEnd();
  assert.deepEqual([c.pending, c.reusable, c.closeAfter], [0, false, true]);
});

test('reuse: only keep-alive responses leave the connection reusable; without hsts a head with nothing to change is handed back as it came', () => {
  const reusable = (response: string, want: string = response) => {
    const f = new ResponseFraming(false);
    f.onRequest('GET', false);
    const input = Buffer.from(response, 'latin1');
    const out = f.feed(input);
    assert.equal(out.toString('latin1'), want);
    if (want === response) assert.equal(out, input, 'unchanged bytes are handed back as they came, not copied');
    return [f.pending, f.reusable, f.closeAfter];
  };
  assert.deepEqual(reusable('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), [0, true, false]);
  assert.deepEqual(reusable('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'), [0, false, true]);
  assert.deepEqual(reusable('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'), [0, false, true]);
  assert.deepEqual(reusable('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'), [0, true, false]);
  assert.deepEqual(reusable('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok'), [1, true, false]);
  // bytes nobody asked for: the connection is out of step
  const f = new ResponseFraming(false);
  f.onRequest('GET', false);
  assert.equal((f.feed(Buffer.from('HTTP/1.1 204 No Content\r\n\r\nJUNK'))).toString(), 'HTTP/1.1 204 No Content\r\n\r\n');
  assert.deepEqual([f.reusable, f.closeAfter], [false, true]);
});

test("the client's hop: upstream hop-by-hop fields never reach it; it is told Connection: close when the door will close it", () => {
  const f = new ResponseFraming(false);
  f.onRequest('GET', false);
  f.onRequest('GET', true); // this client sent Connection: close (the door strips it before the upstream)
  const a = 'HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nProxy-Connection: keep-alive\r\nETag: "e"\r\nKeep-Alive: timeout=20\r\nContent-Length: 1\r\n\r\na';
  const b = 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nb';
  const out = f.feed(Buffer.from(a + b, 'latin1')).toString('latin1');
  assert.equal(out, 'HTTP/1.1 200 OK\r\nETag: "e"\r\nContent-Length: 1\r\n\r\na' + 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nb');
  assert.deepEqual([f.pending, f.reusable], [0, true], 'the upstream connection itself stays reusable');
  // a 101 keeps its Connection: Upgrade (the client needs it)
  const u = new ResponseFraming(false);
  u.onRequest('GET', false);
  const up = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
  assert.equal(u.feed(Buffer.from(up, 'latin1')).toString('latin1'), up);
});

test('field names in any case; Connection options in a list; chunked after another coding', () => {
  const f = new ResponseFraming(true);
  f.onRequest('GET', false);
  f.onRequest('GET', false);
  const a = 'HTTP/1.1 200 OK\r\nCONTENT-length:  3 \r\nSTRICT-Transport-Security: max-age=5\r\n\r\nabc';
  const b = 'HTTP/1.1 200 OK\r\ntransfer-ENCODING: gzip, Chunked\r\nconnection: Keep-Alive, CLOSE\r\n\r\n1\r\nx\r\n0\r\n\r\n';
  const input = Buffer.from(a + b, 'latin1');
  const out = f.feed(input).toString('latin1');
  const b2 = b.replace('connection: Keep-Alive, CLOSE\r\n', '').replace('\r\n\r\n', `\r\n${HSTS_HEADER}\r\nConnection: close\r\n\r\n`);
  assert.equal(out, a + b2, 'HSTS only where the upstream sent none; the close is the door\'s to say');
  assert.deepEqual([f.pending, f.reusable, f.closeAfter], [0, false, true]);
});

test('an HTTP/1.0 client: a chunked body de-chunked (framing, trailers and any Content-Length dropped), no interim responses, however the bytes are split', () => {
  const answers = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\nTrailer: X-Sum\r\nETag: "e"\r\n\r\n' +
    '5;x=y\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n' +
    // the next response on the connection is a 1.1 client's: its framing passes untouched
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
  const want = 'HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\nETag: "e"\r\nConnection: close\r\n\r\nhello, world' +
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
  const bytes = Buffer.from(answers, 'latin1');
  for (let a = 0; a < bytes.length; a += 2) {
    for (const b of [a + 1, a + 7, bytes.length]) {
      const f = new ResponseFraming(false);
      f.onRequest('GET', true, true);
      f.onRequest('GET', false, false);
      const parts = [bytes.subarray(0, a), bytes.subarray(a, Math.min(b, bytes.length)), bytes.subarray(Math.min(b, bytes.length))].map((p) => Buffer.from(f.feed(Buffer.from(p))));
      assert.equal(Buffer.concat(parts).toString('latin1'), want, `split at ${a} and ${b}`);
      assert.deepEqual([f.pending, f.reusable, f.closeAfter], [0, true, false], 'the upstream connection stays reusable');
    }
  }
  // an answer to HEAD names the coding a GET would get: not for an HTTP/1.0 client either
  const head = new ResponseFraming(false);
  head.onRequest('HEAD', true, true);
  assert.equal(head.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: "e"\r\n\r\n', 'latin1')).toString('latin1'),
    'HTTP/1.1 200 OK\r\nETag: "e"\r\nConnection: close\r\n\r\n');
  assert.deepEqual([head.pending, head.reusable], [0, true]);
  // a 1.1 client gets the interim response and the chunks as they came
  const f = new ResponseFraming(false);
  f.onRequest('GET', false, false);
  const h = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n';
  assert.equal(f.feed(Buffer.from(h, 'latin1')).toString('latin1'), h);
});

test('an HTTP/1.0 client and a transfer coding besides chunked: passed through raw, the upstream connection not reused', () => {
  const f = new ResponseFraming(false);
  f.onRequest('GET', true, true);
  const out = f.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n', 'latin1')).toString('latin1');
  assert.equal(out, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n1\r\nx\r\n0\r\n\r\n');
  assert.deepEqual([f.reusable, f.closeAfter], [false, true]);
});
