/** udpExchange: a request that cannot be built rejects the call instead of crashing the process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { udpExchange } from '../../../main/core/network/udp-exchange.ts';
import { PcpClient } from '../../../main/core/network/pcp-client.ts';

test('a build that throws rejects the exchange (and sends nothing)', async (t) => {
  const peer = createSocket('udp4');
  let received = 0;
  peer.on('message', () => { received++; });
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  t.after(() => peer.close());
  const port = peer.address().port;

  await assert.rejects(
    udpExchange('127.0.0.1', port, () => { throw new Error('cannot build'); }, () => true, { waitsMs: [50] }),
    /cannot build/,
  );
  // A PCP mapping for a client that is not an IPv4 address fails the same way, as a rejection.
  const pcp = new PcpClient('127.0.0.1', { port, waitsMs: [50] });
  await assert.rejects(
    pcp.map({ internalClient: 'fe80::1', internalPort: 8443, externalPort: 443, transport: 'TCP', lifetimeSeconds: 60, description: 'test' }),
    /fe80::1 is not an IPv4 address/,
  );
  assert.equal(received, 0);
});
