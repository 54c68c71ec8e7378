/**
 * UPnP IGD client (v1 and v2; WANIPConnection and WANPPPConnection) speaking SOAP over node:http.
 * The protocol logic is hand-written: the npm clients tested against miniupnpd delete the wrong
 * port on unmap (shared/reference/test-peers.md), and ours must tell "taken by another host"
 * apart. The XML (device descriptions, SOAP answers and faults) is read by support/xml.ts
 * (fast-xml-parser): routers send prefixed envelopes, comments, CDATA and entities.
 */
import { request } from 'node:http';
import { escapeXml, findAll, parseXml, textOf, type XmlElement } from '../support/xml.ts';
import { MappingConflictError, type MapRequest, type MapResult, type MappingEntry, type PortMapper, type Transport } from './port-mapper.ts';

export interface UpnpService {
  serviceType: string;
  kind: 'WANIPConnection' | 'WANPPPConnection';
  version: number;
  controlUrl: string;
}

export interface UpnpClientOptions {
  /** Source address for SOAP calls (a multi-homed host; tests use it to play another LAN host). */
  localAddress?: string;
  timeoutMs?: number;
}

/** UPnP error codes the manager acts on (UPnP-arch-DeviceArchitecture, WANIPConnection:2 §2.5). */
const UPNP_ERRORS: Record<number, string> = {
  401: 'Invalid Action',
  402: 'Invalid Args',
  501: 'Action Failed',
  606: 'Action not authorized',
  713: 'SpecifiedArrayIndexInvalid',
  714: 'NoSuchEntryInArray',
  715: 'WildCardNotPermittedInSrcIP',
  716: 'WildCardNotPermittedInExtPort',
  718: 'ConflictInMappingEntry',
  724: 'SamePortValuesRequired',
  725: 'OnlyPermanentLeasesSupported',
  726: 'RemoteHostOnlySupportsWildcard',
  727: 'ExternalPortOnlySupportsWildcard',
  728: 'NoPortMapsAvailable',
  729: 'ConflictWithOtherMechanisms',
};

export class UpnpError extends Error {
  readonly code: number;
  readonly action: string;
  constructor(action: string, code: number, description: string) {
    super(`UPnP ${action} failed: ${code} ${description || UPNP_ERRORS[code] || 'unknown error'}`);
    this.name = 'UpnpError';
    this.code = code;
    this.action = action;
  }
}

/** A SOAP answer's action response element (its `New…` arguments are its children). */
function soapBody(xml: string, what: string): XmlElement {
  try {
    return parseXml(xml);
  } catch (e) {
    throw new Error(`the router's answer to ${what} is ${(e as Error).message}`, { cause: e });
  }
}

function httpText(url: string, opts: UpnpClientOptions, body?: { soapAction: string; xml: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({
      host: u.hostname,
      port: u.port || 80,
      path: u.pathname + u.search,
      method: body ? 'POST' : 'GET',
      localAddress: opts.localAddress,
      timeout: opts.timeoutMs ?? 5000,
      headers: body ? { 'Content-Type': 'text/xml; charset="utf-8"', SOAPAction: `"${body.soapAction}"`, 'Content-Length': Buffer.byteLength(body.xml) } : {},
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} within ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', (e) => reject(new Error(`HTTP to ${u.host} failed: ${e.message}`)));
    req.end(body?.xml);
  });
}

/** Pick the WAN connection service: IP over PPP, newest version first. */
export function parseDescription(xml: string, base: string): { service: UpnpService | null; presentationUrl?: string; friendlyName?: string } {
  const doc = parseXml(xml);
  if (doc.name !== 'root') throw new Error(`its root element is <${doc.name}>, not a UPnP device description's <root>`);
  const resolve = (u: string | undefined, against: string): string | undefined => {
    try {
      return u ? new URL(u, against).toString() : undefined;
    } catch {
      return undefined;
    }
  };
  const urlBase = resolve(textOf(doc, 'URLBase'), base) ?? base;
  const services: UpnpService[] = [];
  for (const s of findAll(doc, 'service')) {
    const type = textOf(s, 'serviceType') ?? '';
    const sm = /^urn:schemas-upnp-org:service:(WANIPConnection|WANPPPConnection):(\d+)$/.exec(type);
    const ctl = resolve(textOf(s, 'controlURL'), urlBase);
    if (sm && ctl) services.push({ serviceType: type, kind: sm[1] as UpnpService['kind'], version: Number(sm[2]), controlUrl: ctl });
  }
  services.sort((a, b) => (a.kind === b.kind ? b.version - a.version : a.kind === 'WANIPConnection' ? -1 : 1));
  // The root device's own name and admin page, not an embedded device's.
  const device = doc.children.find((c) => c.name === 'device');
  const own = (name: string) => device?.children.find((c) => c.name === name)?.text || undefined;
  return { service: services[0] ?? null, presentationUrl: resolve(own('presentationURL'), urlBase), friendlyName: own('friendlyName') };
}

export class UpnpClient implements PortMapper {
  readonly protocol = 'upnp' as const;
  readonly descriptionUrl: string;
  readonly service: UpnpService;
  readonly presentationUrl?: string;
  readonly friendlyName?: string;
  private readonly opts: UpnpClientOptions;

  private constructor(descriptionUrl: string, service: UpnpService, opts: UpnpClientOptions, presentationUrl?: string, friendlyName?: string) {
    this.descriptionUrl = descriptionUrl;
    this.service = service;
    this.opts = opts;
    this.presentationUrl = presentationUrl;
    this.friendlyName = friendlyName;
  }

  /** Read the device description (the LOCATION an SSDP answer gave) and find the WAN connection service. */
  static async fromDescription(url: string, opts: UpnpClientOptions = {}): Promise<UpnpClient> {
    const r = await httpText(url, opts);
    if (r.status !== 200) throw new Error(`UPnP device description ${url} answered HTTP ${r.status}`);
    let d: ReturnType<typeof parseDescription>;
    try {
      d = parseDescription(r.text, url);
    } catch (e) {
      throw new Error(`UPnP device description ${url} cannot be read: ${(e as Error).message}`, { cause: e });
    }
    if (!d.service) throw new Error(`UPnP device at ${url} offers no WANIPConnection or WANPPPConnection service (not an Internet gateway)`);
    return new UpnpClient(url, d.service, opts, d.presentationUrl, d.friendlyName);
  }

  /** One SOAP action; returns the parsed response, or throws UpnpError with the UPnP error code. */
  async call(action: string, args: [string, string | number][] = []): Promise<XmlElement> {
    const st = this.service.serviceType;
    const xml = `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:${action} xmlns:u="${st}">${args.map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join('')}</u:${action}></s:Body></s:Envelope>\r\n`;
    const r = await httpText(this.service.controlUrl, this.opts, { soapAction: `${st}#${action}`, xml });
    if (r.status === 200) return soapBody(r.text, action);
    let fault: XmlElement | undefined;
    try {
      fault = parseXml(r.text);
    } catch { /* not XML: reported by HTTP status below */ }
    const code = Number(fault && textOf(fault, 'errorCode'));
    if (Number.isInteger(code) && code > 0) throw new UpnpError(action, code, (fault && textOf(fault, 'errorDescription')) ?? '');
    throw new Error(`UPnP ${action} failed: HTTP ${r.status} from ${this.service.controlUrl}`);
  }

  async externalAddress(): Promise<string> {
    const ip = textOf(await this.call('GetExternalIPAddress'), 'NewExternalIPAddress');
    if (!ip) throw new Error('the router answered GetExternalIPAddress without an address (it may not be connected to the internet yet)');
    return ip;
  }

  async addPortMapping(req: MapRequest, lease: number): Promise<void> {
    await this.call('AddPortMapping', [
      ['NewRemoteHost', ''], ['NewExternalPort', req.externalPort], ['NewProtocol', req.transport],
      ['NewInternalPort', req.internalPort], ['NewInternalClient', req.internalClient], ['NewEnabled', 1],
      ['NewPortMappingDescription', req.description], ['NewLeaseDuration', lease],
    ]);
  }

  /** IGDv2 only: the router may pick another external port; returns the one it reserved. */
  async addAnyPortMapping(req: MapRequest, lease: number): Promise<number> {
    const r = await this.call('AddAnyPortMapping', [
      ['NewRemoteHost', ''], ['NewExternalPort', req.externalPort], ['NewProtocol', req.transport],
      ['NewInternalPort', req.internalPort], ['NewInternalClient', req.internalClient], ['NewEnabled', 1],
      ['NewPortMappingDescription', req.description], ['NewLeaseDuration', lease],
    ]);
    return Number(textOf(r, 'NewReservedPort'));
  }

  async deletePortMapping(externalPort: number, transport: Transport): Promise<void> {
    await this.call('DeletePortMapping', [['NewRemoteHost', ''], ['NewExternalPort', externalPort], ['NewProtocol', transport]]);
  }

  async lookup(externalPort: number, transport: Transport): Promise<MappingEntry | null> {
    try {
      const r = await this.call('GetSpecificPortMappingEntry', [['NewRemoteHost', ''], ['NewExternalPort', externalPort], ['NewProtocol', transport]]);
      return { ...mappingEntry(r), externalPort, transport };
    } catch (e) {
      if (e instanceof UpnpError && (e.code === 714 || e.code === 402)) return null;
      throw e;
    }
  }

  async list(): Promise<MappingEntry[]> {
    const out: MappingEntry[] = [];
    for (let i = 0; i < 1024; i++) {
      let r: XmlElement;
      try {
        r = await this.call('GetGenericPortMappingEntry', [['NewPortMappingIndex', i]]);
      } catch (e) {
        if (e instanceof UpnpError && (e.code === 713 || e.code === 714 || e.code === 402)) break;
        throw e;
      }
      out.push(mappingEntry(r));
    }
    return out;
  }

  /**
   * Create or renew. A port held by another host is never overwritten: checked first, and the
   * router's 718 (ConflictInMappingEntry) is turned into a MappingConflictError naming the owner.
   * A router that takes only permanent leases (725) gets lease 0.
   */
  async map(req: MapRequest): Promise<MapResult> {
    const existing = await this.lookup(req.externalPort, req.transport);
    if (existing && existing.internalClient !== req.internalClient) throw this.conflict(req, existing);
    let lease = req.lifetimeSeconds;
    try {
      await this.addPortMapping(req, lease);
    } catch (e) {
      if (e instanceof UpnpError && e.code === 725 && lease !== 0) {
        lease = 0;
        await this.addPortMapping(req, 0);
      } else if (e instanceof UpnpError && (e.code === 718 || e.code === 729)) {
        throw this.conflict(req, await this.lookup(req.externalPort, req.transport).catch(() => null));
      } else throw e;
    }
    return { externalPort: req.externalPort, lifetimeSeconds: lease };
  }

  private conflict(req: MapRequest, owner: MappingEntry | null): MappingConflictError {
    const who = owner ? `${owner.internalClient}:${owner.internalPort}${owner.description ? ` ("${owner.description}")` : ''}` : 'another device';
    return new MappingConflictError(req.externalPort, owner?.internalClient ?? null, `WAN port ${req.externalPort}/${req.transport} is already forwarded to ${who}`);
  }

  /** Delete only if the mapping is still ours (same client and internal port). */
  async unmap(req: MapRequest): Promise<void> {
    const existing = await this.lookup(req.externalPort, req.transport);
    if (!existing || existing.internalClient !== req.internalClient || existing.internalPort !== req.internalPort) return;
    await this.deletePortMapping(req.externalPort, req.transport);
  }
}

/**
 * A mapping as the router describes it (Get*PortMappingEntry answers). The specific lookup's
 * answer has no external port or protocol: the caller puts back the ones it asked for.
 */
function mappingEntry(r: XmlElement): MappingEntry {
  return {
    externalPort: Number(textOf(r, 'NewExternalPort')),
    transport: (textOf(r, 'NewProtocol') ?? 'TCP').toUpperCase() === 'UDP' ? 'UDP' : 'TCP',
    internalClient: textOf(r, 'NewInternalClient') ?? '',
    internalPort: Number(textOf(r, 'NewInternalPort')),
    description: textOf(r, 'NewPortMappingDescription') ?? '',
    leaseSeconds: Number(textOf(r, 'NewLeaseDuration') ?? 0),
    enabled: textOf(r, 'NewEnabled') !== '0',
  };
}
