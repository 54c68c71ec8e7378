import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Duplex } from 'node:stream';
import { HttpProxyConnection } from '../../../main/core/proxy/http-proxy-connection.ts';
import { UpstreamPool } from '../../../main/core/proxy/upstream-pool.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { listen, port } from './door-fixtures.ts';

const BLOCKS = 400;
const block = (i: number) => Buffer.alloc(1000, `${i}:`);

/**
 * A client connection like the door's TLS socket when the network is slower than the upstream:
 * each write takes its bytes at once (TLS encrypts them) and completes a little later, so the
 * door's next writes queue in the stream while more upstream reads arrive.
 */
class SlowClient extends Duplex {
  readonly remoteAddress = '127.0.0.1';
  readonly received: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.received.push(Buffer.from(chunk));
    setTimeout(done, 1);
  }
  override _read(): void {}
}

test('what the door writes to a client with writes still queued is its own copy: many small upstream reads arrive whole and in order', async (t) => {
  // Plain-HTTP upstreams are read into one reused buffer; a write that queues must not point into it.
  const pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleMs: 10_000 });
  t.after(() => pool.closeAll()); // before the upstream's close, which waits for its connections
  const upstream = await listen(t, createServer((s) => {
    s.once('data', async () => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BLOCKS * 1000}\r\n\r\n`);
      for (let i = 0; i < BLOCKS; i++) {
        s.write(block(i));
        await new Promise(setImmediate); // a read of its own at the door, not coalesced with the next
      }
    });
    s.on('error', () => {});
  }) as never);
  const client = new SlowClient();
  const conn = new HttpProxyConnection({
    client, upstream: { host: '127.0.0.1', port: port(upstream), tls: false }, pool,
    counters: { openConnections: 0, requests: 0, bytesIn: 0, bytesOut: 0 }, countError: () => {},
    timeouts: { headMs: 10_000, keepAliveMs: 10_000, idleMs: 60_000, upstreamConnectMs: 10_000, upstreamResponseMs: 10_000 }, hsts: false,
  });
  t.after(() => conn.close());
  client.push('GET /blocks HTTP/1.1\r\nHost: plex.example.com\r\n\r\n');
  const total = () => client.received.reduce((n, c) => n + c.length, 0);
  const head = `HTTP/1.1 200 OK\r\nContent-Length: ${BLOCKS * 1000}\r\n\r\n`;
  await waitFor('the whole answer', () => total() >= head.length + BLOCKS * 1000, 30_000);
  const all = Buffer.concat(client.received);
  assert.equal(all.toString('latin1', 0, head.length), head);
  const body = all.subarray(head.length);
  assert.equal(body.length, BLOCKS * 1000);
  for (let i = 0; i < BLOCKS; i++) {
    if (!body.subarray(i * 1000, (i + 1) * 1000).equals(block(i))) assert.fail(`block ${i} differs: ${body.toString('latin1', i * 1000, i * 1000 + 24)}…`);
  }
});

test('the idle limit closes a stream with no bytes either way, and never one that keeps trickling', async (t) => {
  // The upstream sends a head and then a byte every 100 ms to /trickle; to /stall, nothing more.
  const upstream = await listen(t, createServer((s) => {
    s.once('data', (req: Buffer) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      if (!req.includes('/trickle')) return;
      const every = setInterval(() => s.write('x'), 100);
      s.on('close', () => clearInterval(every));
    });
    s.on('error', () => {});
  }) as never);
  const pool = new UpstreamPool({ maxIdlePerUpstream: 4, idleMs: 10_000 });
  t.after(() => pool.closeAll());
  const errors: string[] = [];
  const conns: HttpProxyConnection[] = [];
  const open = (path: string) => {
    const client = new SlowClient();
    const conn = new HttpProxyConnection({
      client, upstream: { host: '127.0.0.1', port: port(upstream), tls: false }, pool,
      counters: { openConnections: 0, requests: 0, bytesIn: 0, bytesOut: 0 }, countError: (k) => errors.push(`${path} ${k}`),
      timeouts: { headMs: 10_000, keepAliveMs: 10_000, idleMs: 400, upstreamConnectMs: 10_000, upstreamResponseMs: 10_000 }, hsts: false,
    });
    conns.push(conn);
    client.push(`GET ${path} HTTP/1.1\r\nHost: plex.example.com\r\n\r\n`);
    return client;
  };
  const stalled = open('/stall');
  const trickling = open('/trickle');
  await waitFor('the stalled stream closed', () => stalled.destroyed, 5_000);
  assert.deepEqual(errors, ['/stall idle-timeout']);
  await new Promise((r) => setTimeout(r, 1200)); // three idle limits' worth of trickle
  assert.equal(trickling.destroyed, false, 'a byte every 100 ms keeps it open');
  assert.ok(trickling.received.reduce((n, c) => n + c.length, 0) > 40 + 8);
  for (const c of conns) c.close(); // before the upstream's close, which waits for its connections
});
