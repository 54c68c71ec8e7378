/**
 * UPnP IGD variants miniupnpd cannot play (it is always IGDv2 + WANIPConnection:2 and never
 * answers 725): an IGDv1 router with WANPPPConnection:1 that accepts only permanent leases.
 * This is a small SOAP server following the UPnP spec, used only for those variants; everything
 * else is tested against the real miniupnpd (router-manager.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpnpClient, parseDescription } from '../../../main/core/network/upnp-client.ts';
import { MappingConflictError } from '../../../main/core/network/port-mapper.ts';

const PPP = 'urn:schemas-upnp-org:service:WANPPPConnection:1';

function desc(): string {
  return `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>FRITZ!Box 7530</friendlyName><presentationURL>http://fritz.box</presentationURL>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType><deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>${PPP}</serviceType><serviceId>urn:upnp-org:serviceId:WANPPPConn1</serviceId><SCPDURL>/ppp.xml</SCPDURL><controlURL>/upnp/control/WANPPPConn1</controlURL><eventSubURL>/e</eventSubURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>`;
}

const soapFault = (code: number, d: string) => `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>${d}</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>`;
const soapOk = (action: string, body: string) => `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:${action}Response xmlns:u="${PPP}">${body}</u:${action}Response></s:Body></s:Envelope>`;

async function permanentOnlyRouter(t: { after: (fn: () => unknown) => void }) {
  const table = new Map<string, { client: string; port: number; desc: string }>();
  const leases: number[] = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method === 'GET') return res.writeHead(200, { 'Content-Type': 'text/xml' }).end(desc());
      const action = /#(\w+)"/.exec(String(req.headers.soapaction))?.[1];
      const arg = (n: string) => new RegExp(`<${n}>([^<]*)</${n}>`).exec(body)?.[1] ?? '';
      const key = `${arg('NewExternalPort')}/${arg('NewProtocol')}`;
      const send = (status: number, xml: string) => res.writeHead(status, { 'Content-Type': 'text/xml' }).end(xml);
      switch (action) {
        case 'GetExternalIPAddress': return send(200, soapOk(action, '<NewExternalIPAddress>198.51.100.3</NewExternalIPAddress>'));
        case 'AddPortMapping': {
          leases.push(Number(arg('NewLeaseDuration')));
          if (arg('NewLeaseDuration') !== '0') return send(500, soapFault(725, 'OnlyPermanentLeasesSupported'));
          const cur = table.get(key);
          if (cur && cur.client !== arg('NewInternalClient')) return send(500, soapFault(718, 'ConflictInMappingEntry'));
          table.set(key, { client: arg('NewInternalClient'), port: Number(arg('NewInternalPort')), desc: arg('NewPortMappingDescription') });
          return send(200, soapOk(action, ''));
        }
        case 'GetSpecificPortMappingEntry': {
          const e = table.get(key);
          if (!e) return send(500, soapFault(714, 'NoSuchEntryInArray'));
          return send(200, soapOk(action, `<NewInternalPort>${e.port}</NewInternalPort><NewInternalClient>${e.client}</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>${e.desc}</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration>`));
        }
        case 'DeletePortMapping': {
          if (!table.delete(key)) return send(500, soapFault(714, 'NoSuchEntryInArray'));
          return send(200, soapOk(action, ''));
        }
        default: return send(500, soapFault(401, 'Invalid Action'));
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise((r) => srv.close(r)));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/igd.xml`, table, leases };
}

test('IGDv1 + WANPPPConnection: found, external address, lease falls back to 0 on 725, conflict, unmap', async (t) => {
  const r = await permanentOnlyRouter(t);
  const c = await UpnpClient.fromDescription(r.url);
  assert.deepEqual([c.service.kind, c.service.version], ['WANPPPConnection', 1]);
  assert.equal(c.presentationUrl, 'http://fritz.box/');
  assert.equal(await c.externalAddress(), '198.51.100.3');
  const req = { internalClient: '127.0.0.1', internalPort: 8443, externalPort: 443, transport: 'TCP' as const, lifetimeSeconds: 3600, description: 'Portico 443' };
  const m = await c.map(req);
  assert.equal(m.lifetimeSeconds, 0, 'permanent lease granted');
  assert.deepEqual(r.leases, [3600, 0]);
  assert.deepEqual(r.table.get('443/TCP'), { client: '127.0.0.1', port: 8443, desc: 'Portico 443' });
  r.table.set('80/TCP', { client: '127.0.0.9', port: 80, desc: 'NAS' });
  await assert.rejects(c.map({ ...req, externalPort: 80, internalPort: 8080 }), (e: unknown) => e instanceof MappingConflictError && e.owner === '127.0.0.9' && /127\.0\.0\.9:80 \("NAS"\)/.test(e.message));
  await c.unmap({ ...req, externalPort: 80, internalPort: 8080 });
  assert.ok(r.table.has('80/TCP'), 'unmap never deletes another host\'s mapping');
  await c.unmap(req);
  assert.ok(!r.table.has('443/TCP'));
});

test('parseDescription prefers WANIPConnection, newest version, and honours URLBase', () => {
  const xml = `<root><URLBase>http://10.0.0.1:49000/</URLBase><device><serviceList>
<service><serviceType>${PPP}</serviceType><controlURL>/ppp</controlURL></service>
<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>/ip1</controlURL></service>
<service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType><controlURL>ip2</controlURL></service>
</serviceList></device></root>`;
  const d = parseDescription(xml, 'http://ignored/desc.xml');
  assert.equal(d.service?.controlUrl, 'http://10.0.0.1:49000/ip2');
  assert.equal(d.service?.version, 2);
  assert.equal(parseDescription('<root><device/></root>', 'http://x/').service, null);
});
