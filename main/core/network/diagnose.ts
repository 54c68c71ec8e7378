/**
 * Reachability diagnosis as a pure function of gathered facts (gather-facts.ts does the I/O).
 * Every finding says what is wrong in plain words and what to do about it; passing checks come
 * back as `ok` findings so `portico doctor` shows what was checked.
 */
import type { RouterMode } from '../../shared/config.ts';
import type { Finding, ManualForwardRow, PortMappingStatus } from '../../shared/status/router.ts';
import { addressScope } from '../../shared/ip-address.ts';

export interface ReachabilityFacts {
  domain: string;
  /** The WAN port clients use for HTTPS (door.publicHttpsPort). */
  publicHttpsPort: number;
  routerMode: RouterMode;
  gateway?: string | null;
  lanAddress?: string | null;
  adminUrl?: string | null;
  /** Which mapping protocols the router answered (absent = not probed). */
  protocols?: { upnp?: boolean; natpmp?: boolean; pcp?: boolean };
  /** The router's own WAN address (UPnP GetExternalIPAddress / NAT-PMP / PCP). */
  gatewayExternalAddress?: string | null;
  /** The address the internet sees (STUN / what-is-my-IP). */
  publicAddress?: string | null;
  publicAddressError?: string | null;
  /** The domain's records through the configured resolver. */
  dns?: { a: string[]; aaaa: string[]; error?: string } | null;
  /** Connecting to publicAddress:publicHttpsPort from inside reached our door? null = not tested. */
  hairpin?: 'reached' | 'not-reached' | null;
  hairpinDetail?: string | null;
  /** Inbound port 80 from the internet (from an outside check or a failed http-01). null = unknown. */
  port80?: 'open' | 'blocked' | null;
  mappings?: PortMappingStatus[];
  /** The forwards to enter by hand (the router status's rows, from shared/forwarding.ts). */
  forwards?: ManualForwardRow[];
}

export function diagnose(f: ReachabilityFacts): Finding[] {
  const out: Finding[] = [];
  const router = f.adminUrl ? `the router's settings (${f.adminUrl})` : "the router's settings";
  const ext = f.gatewayExternalAddress ?? null;
  const pub = f.publicAddress ?? null;
  const extScope = ext ? addressScope(ext) : null;

  if (!f.gateway && f.routerMode !== 'off') {
    out.push({ id: 'no-gateway', severity: 'error', title: 'No router found', detail: 'This machine has no default gateway, so it is not connected to a home network with a router.', fix: 'Check the network cable or Wi-Fi, or set router.gateway in the config to the router\'s LAN address.' });
  }

  // NAT topology: the router's WAN address tells whether another NAT sits in front of it.
  if (extScope === 'unspecified') {
    out.push({ id: 'router-offline', severity: 'error', title: 'Your router has no internet address',
      detail: `Your router reports ${ext} as its internet address: its WAN side is not connected (or still connecting).`,
      fix: 'Check the cable to the modem and the router\'s internet status page; once it shows an address, press Retry.' });
  } else if (extScope === 'cgnat') {
    out.push({ id: 'cgnat', severity: 'error', title: 'Your provider uses carrier-grade NAT (CGNAT)',
      detail: `Your router's internet address is ${ext}, which is in 100.64.0.0/10, the range providers use when many customers share one public address. Port forwards on your router cannot reach you from the internet.`,
      fix: 'Ask your provider for a public IPv4 address (often free or a small fee; sometimes called "disable CGNAT" or "dedicated IP"), or use IPv6 if your provider offers it.' });
  } else if (extScope === 'private' || extScope === 'link-local') {
    out.push({ id: 'double-nat', severity: 'error', title: 'Double NAT: another router sits in front of yours',
      detail: `Your router's internet address is ${ext}, a private address. Another device (often the provider's modem-router) does NAT in front of it, so forwards on your router alone don't reach you.`,
      fix: 'Put the provider\'s modem in bridge mode (or "modem only"), or forward the same ports on that device to your router\'s WAN address, or put your router in its DMZ.' });
  } else if (ext && pub && ext !== pub) {
    out.push({ id: 'cgnat', severity: 'error', title: 'Another NAT between your router and the internet',
      detail: `Your router says its internet address is ${ext}, but the internet sees you as ${pub}. Something beyond your router (usually the provider's carrier-grade NAT) translates addresses, so forwards cannot reach you.`,
      fix: 'Ask your provider for a public IPv4 address ("disable CGNAT"), or use IPv6 if available.' });
  } else if (ext && pub && ext === pub) {
    out.push({ id: 'nat', severity: 'ok', title: 'Your router has the public address', detail: `Your router's internet address ${ext} is the address the internet sees.` });
  }

  if (!pub) {
    out.push({ id: 'public-ip-unknown', severity: 'warning', title: 'Public address unknown',
      detail: `Portico could not find the address the internet sees${f.publicAddressError ? `: ${f.publicAddressError}` : ''}.`,
      fix: 'Check the internet connection, or set publicIp.stunServer / publicIp.httpEndpoints to a service you trust (or publicIp.lookup to true). Until the address is known, Portico cannot check that your domain points here, that no carrier-grade NAT sits beyond your router, or hairpin NAT, and dynamic DNS writes nothing.' });
  }

  // Port-mapping protocols.
  const pr = f.protocols;
  if (pr && f.routerMode !== 'manual' && f.routerMode !== 'off' && pr.upnp !== true && pr.natpmp !== true && pr.pcp !== true) {
    const lan = f.lanAddress ?? 'this computer';
    out.push({ id: 'no-port-mapping', severity: 'warning', title: 'The router does not accept automatic port forwarding',
      detail: `The router${f.gateway ? ` at ${f.gateway}` : ''} answered neither UPnP nor NAT-PMP nor PCP, so Portico cannot open the ports itself.`,
      fix: `Turn on UPnP (or NAT-PMP) in ${router} and press Retry, or forward by hand ${f.forwards?.length ? f.forwards.map((r) => `WAN ${r.externalPort}/${r.transport} to ${r.internalClient || lan}:${r.internalPort}`).join(', ') : `the ports to ${lan}`} (see the rows under "Router").` });
  }
  const refused = (f.mappings ?? []).filter((m) => m.refusedLowPort);
  if (refused.length) {
    const rows = refused.map((m) => `WAN ${m.externalPort}/${m.transport} to ${m.internalClient || (f.lanAddress ?? 'this computer')}:${m.internalPort}`).join(', ');
    const ports = refused.map((m) => m.externalPort).join(' and ');
    out.push({ id: 'low-ports-refused', severity: 'error', title: `Your router refuses to open port ${ports} automatically`,
      detail: `The router allows automatic forwards (UPnP, NAT-PMP, PCP) only for ports 1024 and up — a common default, e.g. OpenWrt's "allow 1024-65535" — so it refused ${ports}. Nothing from the internet reaches Portico on ${ports} until one of the two ways out below is taken.`,
      fix: `Either forward by hand in ${router}: ${rows} (your address stays https://${f.domain}); or use a high public port: set door.publicHttpsPort to 8443, so the router forwards WAN 8443, Plex is told https://${f.domain}:8443 and Verify checks that port — your address becomes https://${f.domain}:8443, and certificates come by DNS-01 (with a DNS provider) or HTTP-01 (WAN 80 forwarded), because the CA's TLS-ALPN-01 check connects to port 443 only.` });
  }
  for (const m of f.mappings ?? []) {
    if (m.refusedLowPort) continue;
    if (m.state === 'conflict') {
      out.push({ id: `mapping-conflict-${m.externalPort}`, severity: 'error',
        title: m.owner ? `WAN port ${m.externalPort} is forwarded to another device (${m.owner})` : `WAN port ${m.externalPort} is not available to Portico`,
        detail: m.error ?? `The router already forwards port ${m.externalPort} elsewhere; Portico left it alone.`,
        fix: m.owner
          ? `Remove or change the forward to ${m.owner} in ${router}, then press Retry.`
          : `Look in ${router} for a forward of port ${m.externalPort} (remove it), or for a rule limiting automatic forwards to high ports (allow ${m.externalPort}); then press Retry — or forward it by hand.` });
    } else if (m.state === 'failed') {
      out.push({ id: `mapping-failed-${m.externalPort}`, severity: 'warning', title: `Could not open WAN port ${m.externalPort}`, detail: m.error ?? 'The router refused the mapping.', fix: `Forward TCP ${m.externalPort} to ${m.internalClient}:${m.internalPort} in ${router}.` });
    }
  }

  // DNS: does the name point here?
  if (f.dns) {
    if (f.dns.error) {
      out.push({ id: 'dns-lookup-failed', severity: 'warning', title: `Could not look up ${f.domain}`, detail: f.dns.error, fix: 'Check that the domain exists and that dns.resolver (if set) is reachable.' });
    } else if (f.dns.a.length === 0 && f.dns.aaaa.length === 0) {
      out.push({ id: 'dns-missing', severity: 'error', title: `${f.domain} has no address record`, detail: `The name ${f.domain} has no A or AAAA record, so nobody can find your server by name.`,
        fix: pub ? `Create an A record for ${f.domain} pointing to ${pub} at your DNS provider, or turn on dynamic DNS (dns.ddns).` : `Create an A record for ${f.domain} pointing to your public address.` });
    } else if (pub) {
      const all = [...f.dns.a, ...f.dns.aaaa];
      if (!all.includes(pub)) {
        out.push({ id: 'dns-mismatch', severity: 'error', title: `${f.domain} points elsewhere`,
          detail: `${f.domain} resolves to ${all.join(', ')}, but your public address is ${pub}. Clients and the certificate authority will go to the wrong place.`,
          fix: `Change the A record of ${f.domain} to ${pub} at your DNS provider, or turn on dynamic DNS (dns.ddns) so Portico keeps it current. DNS changes can take up to the record's TTL to show.` });
      } else {
        out.push({ id: 'dns', severity: 'ok', title: `${f.domain} points to your public address`, detail: `${f.domain} resolves to ${pub}.` });
      }
    }
  }

  // Hairpin: reaching our own public address from inside.
  if (f.hairpin === 'not-reached') {
    out.push({ id: 'no-hairpin', severity: 'warning', title: 'No hairpin NAT: the name does not work inside your home',
      detail: `From this network, connecting to your public address${pub ? ` ${pub}` : ''} on port ${f.publicHttpsPort} did not reach Portico${f.hairpinDetail ? ` (${f.hairpinDetail})` : ''}. Devices at home that use https://${f.domain} will fail, though it works from outside.`,
      fix: `Turn on "NAT loopback" / "NAT reflection" / "hairpinning" in ${router}, or make ${f.domain} resolve to ${f.lanAddress ?? 'this computer\'s LAN address'} inside your home (a local DNS entry on the router, Pi-hole or hosts file).` });
  } else if (f.hairpin === 'reached') {
    out.push({ id: 'hairpin', severity: 'ok', title: 'Your public address works from inside too', detail: `Connecting to ${pub ?? 'the public address'}:${f.publicHttpsPort} from this network reached Portico.` });
  }

  if (f.port80 === 'blocked') {
    out.push({ id: 'port-80-blocked', severity: 'warning', title: 'Port 80 is not reachable from the internet',
      detail: 'Inbound port 80 does not reach Portico (many providers block it). The http-01 certificate check cannot work, and http:// links will not redirect.',
      fix: 'Use the tls-alpn-01 challenge (it runs on port 443, which Portico already has; set acme.challenge to "tls-alpn-01" or leave "auto"), or dns-01 with a DNS provider.' });
  }
  return out;
}
