/**
 * Default-gateway parsers on the real output formats of each OS. Only Linux runs here; the
 * macOS/Windows commands go through the injected runner with their documented output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverGateway, parseProcNetRoute, parseMacRoute, parseWindowsRoute } from '../../../main/core/network/discover-gateway.ts';

const PROC = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t01B2A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t00B2A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
`;

test('Linux /proc/net/route: lowest-metric default route, little-endian hex', () => {
  assert.equal(parseProcNetRoute(PROC), '192.168.178.1');
  assert.equal(parseProcNetRoute(PROC.split('\n').filter((l) => !l.startsWith('eth0\t0000')).join('\n')), '192.168.1.1');
  assert.equal(parseProcNetRoute('Iface\tDestination\n'), null);
});

test('macOS route -n get default', async () => {
  const out = '   route to: default\ndestination: default\n       mask: default\n    gateway: 10.0.1.1\n  interface: en0\n      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING>\n';
  assert.equal(parseMacRoute(out), '10.0.1.1');
  assert.equal(await discoverGateway({ platform: 'darwin', run: async (c, a) => (assert.deepEqual([c, a], ['route', ['-n', 'get', 'default']]), out) }), '10.0.1.1');
});

test('Windows: PowerShell Get-NetRoute, falling back to route print', async () => {
  assert.equal(await discoverGateway({ platform: 'win32', run: async (c) => (c === 'powershell.exe' ? '192.168.0.1\r\n' : '') }), '192.168.0.1');
  const routePrint = `===========================================================================
IPv4 Route Table
===========================================================================
Active Routes:
Network Destination        Netmask          Gateway       Interface  Metric
          0.0.0.0          0.0.0.0      192.168.1.254    192.168.1.23     35
===========================================================================
`;
  assert.equal(parseWindowsRoute(routePrint), '192.168.1.254');
  assert.equal(await discoverGateway({ platform: 'win32', run: async (c) => { if (c === 'powershell.exe') throw new Error('not found'); return routePrint; } }), '192.168.1.254');
});

test('Linux reads the real /proc/net/route', async () => {
  const gw = await discoverGateway();
  assert.ok(gw === null || /^\d+\.\d+\.\d+\.\d+$/.test(gw));
});
