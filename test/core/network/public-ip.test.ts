/** STUN (RFC 5389) and HTTP(S) what-is-my-IP providers against the local stand-ins, errors included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { startStunStandIn } from '../../stand-ins/stun.ts';
import { startWhatIsMyIpStandIn } from '../../stand-ins/whatismyip.ts';
import { StunPublicIp, parseStunServer } from '../../../main/core/network/stun-public-ip.ts';
import { HttpPublicIp } from '../../../main/core/network/http-public-ip.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';

test('STUN: mapped address, error responses, silence, server address forms', async (t) => {
  const stun = await startStunStandIn();
  t.after(() => stun.close());
  const p = new StunPublicIp(`127.0.0.1:${stun.port}`, { waitsMs: [200, 200] });
  assert.equal(await p.lookup(), '127.0.0.1', 'the sender address, XOR-decoded');
  stun.behaviour = { kind: 'answer', reportAddress: '198.51.100.77' };
  assert.equal(await p.lookup(), '198.51.100.77');
  stun.behaviour = { kind: 'error', code: 420, reason: 'Unknown Attribute' };
  await assert.rejects(p.lookup(), /STUN 127\.0\.0\.1:\d+ failed: STUN server answered with error 420 Unknown Attribute; check publicIp\.stunServer/);
  stun.behaviour = { kind: 'silent' };
  const before = stun.requests;
  await assert.rejects(p.lookup(), /no answer .* after 2 tries/);
  assert.equal(stun.requests - before, 2, 'retransmitted');
  assert.deepEqual(parseStunServer('stun.example.net'), { host: 'stun.example.net', port: 3478 });
  assert.deepEqual(parseStunServer('[2001:db8::1]:19302'), { host: '2001:db8::1', port: 19302 });
});

test('STUN stand-in answers a malformed request with 400 Bad Request', async (t) => {
  const stun = await startStunStandIn();
  t.after(() => stun.close());
  const s = createSocket('udp4');
  t.after(() => s.close());
  const req = Buffer.alloc(24);
  req.writeUInt16BE(0x0001, 0);
  req.writeUInt16BE(0, 2); // says no attributes, but 4 bytes follow
  req.writeUInt32BE(0x2112a442, 4);
  const reply = await new Promise<Buffer>((resolve) => { s.once('message', resolve); s.send(req, stun.port, '127.0.0.1'); });
  assert.equal(reply.readUInt16BE(0), 0x0111);
  assert.equal(reply[24 + 2]! * 100 + reply[24 + 3]!, 400);
});

test('HTTP and HTTPS what-is-my-IP: address, rate limiting, outage, HTML instead of an address', async (t) => {
  const dir = await tmpDir(t);
  const ca = makeTestCa(dir, ['localhost']);
  const https = await startWhatIsMyIpStandIn({ tls: { key: ca.keyPem, cert: ca.certPem } });
  t.after(() => https.close());
  const http = await startWhatIsMyIpStandIn();
  t.after(() => http.close());
  assert.equal(await new HttpPublicIp(http.url).lookup(), '127.0.0.1');
  const url = https.url.replace('127.0.0.1', 'localhost');
  const p = new HttpPublicIp(url, { ca: ca.caPem });
  https.behaviour = { kind: 'answer', reportAddress: '203.0.113.44' };
  assert.equal(await p.lookup(), '203.0.113.44');
  await assert.rejects(new HttpPublicIp(url).lookup(), /failed: .*certificate/i, 'TLS is verified');
  https.behaviour = { kind: 'status', status: 429, body: 'Too Many Requests' };
  await assert.rejects(p.lookup(), /HTTP 429 \(Too Many Requests\); check publicIp\.httpEndpoints/);
  https.behaviour = { kind: 'status', status: 503, body: '' };
  await assert.rejects(p.lookup(), /HTTP 503/);
  https.behaviour = { kind: 'html' };
  await assert.rejects(p.lookup(), /not an IP address/);
});
