import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { fetchFailure } from '../../../main/core/support/fetch-failure.ts';

/** What fetch() throws for `url` (it must throw). */
async function thrown(url: string, timeoutMs: number): Promise<unknown> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    return e;
  }
  throw new Error(`fetch ${url} did not fail`);
}

/** A loopback TCP server; its connections are cut when the test ends, so closing it never waits on them. */
async function listen(t: { after(fn: () => unknown): void }, onConnection: (sock: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const s: Server = createServer((sock) => { sockets.add(sock); onConnection(sock); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { for (const sock of sockets) sock.destroy(); s.close(r); }));
  return (s.address() as AddressInfo).port;
}

test('a closed port reads "connection refused"', async () => {
  // Take a free port and close it again: nothing listens there now.
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
  assert.equal(fetchFailure(await thrown(`http://127.0.0.1:${closed}/`, 5000), 5000), 'connection refused');
});

test('a server that never answers reads "no answer within N s"', async (t) => {
  const port = await listen(t, () => {});
  assert.equal(fetchFailure(await thrown(`http://127.0.0.1:${port}/`, 300), 1500), 'no answer within 1.5 s');
});

test('a connection cut before the answer reads as the system\'s code', async (t) => {
  const port = await listen(t, (sock) => { sock.once('data', () => sock.destroy()); });
  const why = fetchFailure(await thrown(`http://127.0.0.1:${port}/`, 5000), 5000);
  assert.match(why, /^[A-Z_]+$/, why);
  assert.notEqual(why, 'connection refused');
});

test('something that is not an Error still gives words', () => {
  assert.equal(fetchFailure('boom', 1000), 'boom');
  assert.equal(fetchFailure(null, 1000), 'null');
});
