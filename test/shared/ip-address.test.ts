import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressScope, isPublicAddress } from '../../main/shared/ip-address.ts';

test('each range once: private, CGNAT, loopback, link-local, unspecified, reserved, public', () => {
  const want: Record<string, ReturnType<typeof addressScope>> = {
    '10.1.2.3': 'private', '172.16.0.1': 'private', '172.31.9.9': 'private', '192.168.0.1': 'private', 'fd12::1': 'private',
    '172.32.0.1': 'public', '172.15.255.255': 'public', '8.8.8.8': 'public', '2a00:1450:4001::1': 'public', '203.0.113.5': 'public',
    '100.64.0.1': 'cgnat', '100.127.255.254': 'cgnat', '100.63.255.255': 'public', '100.128.0.0': 'public',
    '127.0.0.1': 'loopback', '127.9.9.9': 'loopback', '::1': 'loopback', '::ffff:127.0.0.1': 'loopback',
    '169.254.10.1': 'link-local', 'fe80::1': 'link-local', 'febf::1': 'link-local',
    '0.0.0.0': 'unspecified', '::': 'unspecified',
    '0.1.2.3': 'reserved', '224.0.0.251': 'reserved', '255.255.255.255': 'reserved', 'ff02::1': 'reserved',
    '::ffff:8.8.8.8': 'public', '::ffff:10.0.0.1': 'private',
  };
  for (const [ip, scope] of Object.entries(want)) assert.equal(addressScope(ip), scope, ip);
});

test('the cases where the copies disagreed: loopback and CGNAT are not public (diagnose said "not private")', () => {
  for (const ip of ['127.0.0.1', '100.64.0.1', '::1']) assert.equal(isPublicAddress(ip), false, ip);
});

test('hostile or broken text is invalid, never guessed at', () => {
  for (const ip of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', '1::2::3', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3.4.5', 'g::1', 'localhost', '1.2.3.-4', '::ffff:300.1.1.1']) {
    assert.equal(addressScope(ip), 'invalid', JSON.stringify(ip));
    assert.equal(isPublicAddress(ip), false);
  }
});
