/**
 * The UPnP XML on real captures: miniupnpd's own answers (captured by fixtures/capture-miniupnpd.ts)
 * and the device descriptions and SOAP shapes of common consumer routers (FRITZ!Box, Netgear,
 * TP-Link): namespaces, comments, CDATA, pretty-printing, `SOAP-ENV:` envelopes, entities.
 * A replay server sends the captured bytes, so the client's own HTTP and parsing run for real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { UpnpClient, UpnpError, parseDescription } from '../../../main/core/network/upnp-client.ts';

const fixture = (name: string) => readFile(new URL(`./fixtures/upnp/${name}`, import.meta.url), 'utf8');

/** Answers GET with the description and each SOAP action with the captured answer (HTTP 500 for a fault). */
async function replay(t: { after: (fn: () => unknown) => void }, description: string, answers: Record<string, string>) {
  const seen: string[] = [];
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') return res.writeHead(200, { 'Content-Type': 'text/xml' }).end(description);
      const action = /#(\w+)"/.exec(String(req.headers.soapaction))?.[1] ?? '';
      seen.push(`${req.url} ${action}`);
      const body = answers[action];
      if (body === undefined) return res.writeHead(500).end('no');
      res.writeHead(/<([\w-]+:)?Fault>/.test(body) ? 500 : 200, { 'Content-Type': 'text/xml; charset="utf-8"' }).end(body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => srv.close(() => r())));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/rootDesc.xml`, seen };
}

test('miniupnpd: its description and answers (captured from the real daemon)', async (t) => {
  const d = parseDescription(await fixture('miniupnpd-rootDesc.xml'), 'http://192.168.1.1:5555/rootDesc.xml');
  assert.equal(d.service?.serviceType, 'urn:schemas-upnp-org:service:WANIPConnection:2');
  assert.match(d.service!.controlUrl, /^http:\/\/192\.168\.1\.1:5555\/ctl\/IPConn$/);
  assert.equal(d.friendlyName, 'Debian router');

  const r = await replay(t, await fixture('miniupnpd-rootDesc.xml'), {
    GetExternalIPAddress: await fixture('miniupnpd-GetExternalIPAddress.xml'),
    GetSpecificPortMappingEntry: await fixture('miniupnpd-GetSpecificPortMappingEntry.xml'),
    GetGenericPortMappingEntry: await fixture('miniupnpd-GetGenericPortMappingEntry-713.xml'),
    DeletePortMapping: await fixture('miniupnpd-InvalidAction-401.xml'),
  });
  const c = await UpnpClient.fromDescription(r.url);
  assert.equal(await c.externalAddress(), '1.2.3.4');
  const e = await c.lookup(443, 'TCP');
  assert.deepEqual(e, { externalPort: 443, transport: 'TCP', internalClient: '192.168.174.10', internalPort: 8443, description: 'Portico 443 & co', leaseSeconds: 3600, enabled: true });
  assert.deepEqual(await c.list(), [], '713 ends the list');
  await assert.rejects(c.deletePortMapping(443, 'TCP'), (x: unknown) => x instanceof UpnpError && x.code === 401 && /Invalid Action/.test(x.message));
  assert.ok(r.seen.every((s) => s.startsWith('/ctl/IPConn ')), r.seen.join());
});

test('miniupnpd: "no such entry" (714) is "not mapped", a generic entry reads whole', async (t) => {
  const r = await replay(t, await fixture('miniupnpd-rootDesc.xml'), {
    GetSpecificPortMappingEntry: await fixture('miniupnpd-GetSpecificPortMappingEntry-714.xml'),
  });
  const c = await UpnpClient.fromDescription(r.url);
  assert.equal(await c.lookup(443, 'TCP'), null);
  const generic = await fixture('miniupnpd-GetGenericPortMappingEntry.xml');
  assert.match(generic, /<NewExternalPort>443<\/NewExternalPort>/, 'the capture holds the mapping made before it');
});

test('FRITZ!Box (IGD v1, no URLBase, PPP and IP side by side, comments): IP connection, admin page from the root device', () => {
  return fixture('fritzbox-7590-igddesc.xml').then((xml) => {
    const d = parseDescription(xml, 'http://192.168.178.1:49000/igddesc.xml');
    assert.deepEqual(d.service, { serviceType: 'urn:schemas-upnp-org:service:WANIPConnection:1', kind: 'WANIPConnection', version: 1, controlUrl: 'http://192.168.178.1:49000/igdupnp/control/WANIPConn1' });
    assert.equal(d.presentationUrl, 'http://fritz.box/');
    assert.equal(d.friendlyName, 'FRITZ!Box 7590');
  });
});

test('Netgear (CRLF, pretty-printed service type, URLBase, relative controlURL without "/")', async () => {
  const d = parseDescription(await fixture('netgear-r7000-rootDesc.xml'), 'http://192.168.1.1:5000/Public_UPNP_gatedesc.xml');
  assert.equal(d.service?.serviceType, 'urn:schemas-upnp-org:service:WANIPConnection:1', 'whitespace around the type is not part of it');
  assert.equal(d.service?.controlUrl, 'http://192.168.1.1:5000/Public_UPNP_C3');
  assert.equal(d.friendlyName, 'NETGEAR R7000');
  assert.equal(d.presentationUrl, 'http://www.routerlogin.net/');
});

test('TP-Link (IGD v2, CDATA and numeric entities, &amp; in a URL, an embedded device\'s presentationURL)', async () => {
  const d = parseDescription(await fixture('tplink-archer-igd2.xml'), 'http://192.168.0.1:1900/igd.xml');
  assert.equal(d.service?.version, 2, 'the newest WANIPConnection wins');
  assert.equal(d.service?.controlUrl, 'http://192.168.0.1:1900/ipc2?x=1&y=2');
  assert.equal(d.friendlyName, 'Archer AX55 & Co');
  assert.equal(d.presentationUrl, 'http://192.168.0.1:1900/', 'the root device\'s, not the WAN device\'s');
});

test('SOAP-ENV: envelopes, pretty-printed values and CDATA; a SOAP-ENV fault keeps its code', async (t) => {
  const r = await replay(t, await fixture('tplink-archer-igd2.xml'), {
    GetSpecificPortMappingEntry: await fixture('soap-env-GetSpecificPortMappingEntry.xml'),
    AddPortMapping: await fixture('soap-env-fault-718.xml'),
  });
  const c = await UpnpClient.fromDescription(r.url);
  assert.deepEqual(await c.lookup(443, 'TCP'), { externalPort: 443, transport: 'TCP', internalClient: '192.168.1.20', internalPort: 8443, description: 'Plex <old> & "HAProxy"', leaseSeconds: 0, enabled: true });
  await assert.rejects(c.addPortMapping({ externalPort: 443, internalPort: 8443, internalClient: '192.168.1.10', transport: 'TCP', description: 'Portico', lifetimeSeconds: 60 }, 60),
    (x: unknown) => x instanceof UpnpError && x.code === 718);
});

test('hostile or broken answers are refused with the reason, never half-read', async (t) => {
  assert.throws(() => parseDescription('<root><device><serviceList><service>', 'http://x/'), /not well-formed XML/);
  assert.throws(() => parseDescription('<html><body>login</body></html>', 'http://x/'), /root element is <html>/);
  const r = await replay(t, await fixture('miniupnpd-rootDesc.xml'), { GetExternalIPAddress: '<s:Envelope><s:Body><u:GetExternalIPAddressResponse><NewExternalIPAddress>1.2.3.4' });
  const c = await UpnpClient.fromDescription(r.url);
  await assert.rejects(c.externalAddress(), /GetExternalIPAddress is not well-formed XML/);
  const bad = await replay(t, '<root><device>', {});
  await assert.rejects(UpnpClient.fromDescription(bad.url), /cannot be read: not well-formed XML/);
});
