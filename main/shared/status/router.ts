/** Router / reachability status. Owned by the network module. */
import type { RouterMode } from '../config.ts';

export interface PortMappingStatus {
  protocol: 'upnp' | 'natpmp' | 'pcp' | 'manual';
  externalPort: number;
  internalPort: number;
  internalClient: string;
  transport: 'TCP' | 'UDP';
  state: 'mapped' | 'failed' | 'conflict' | 'manual';
  expiresAt?: string;
  error?: string;
  /** For a conflict: the LAN address that holds the port, when the router tells (UPnP). */
  owner?: string;
  /** The router refuses automatic forwards below 1024 (UPnP 606, NAT-PMP/PCP not authorized, or a port ≥ 1024 offered instead). */
  refusedLowPort?: true;
}
export interface Finding {
  id: string;
  severity: 'ok' | 'info' | 'warning' | 'error';
  title: string;
  detail: string;
  fix?: string;
}
export interface RouterStatus {
  mode: RouterMode;
  state: 'off' | 'discovering' | 'mapped' | 'partial' | 'manual' | 'error';
  gateway?: string;
  externalAddress?: string;
  /** The address the internet sees (publicIp services, else the router's public WAN address), from the last look. */
  publicAddress?: string;
  /** Why the public address is unknown (no service answered, lookups off…), when it is. */
  publicAddressError?: string;
  mappings: PortMappingStatus[];
  findings: Finding[];
  /** This machine's LAN address (the forwards point here). */
  lanAddress?: string;
  /** The router's admin page, from the UPnP device description's presentationURL. */
  adminUrl?: string;
  /** Which mapping protocols answered (absent = not probed). */
  protocols?: { upnp?: boolean; natpmp?: boolean; pcp?: boolean };
  /** The rows to forward by hand (mode manual, or when automatic mapping failed). */
  manual?: ManualForwardRow[];
  /** Why automatic mapping failed as a whole, and what to do. */
  error?: string;
  ddns?: DdnsStatus;
}

/** One row to type into the router's port-forwarding page when Portico cannot map it itself. */
export interface ManualForwardRow {
  /** What the forward is for, e.g. "HTTPS (Portico door)". */
  name: string;
  externalPort: number;
  internalClient: string;
  internalPort: number;
  transport: 'TCP' | 'UDP';
}

/** Dynamic DNS: keeps the domain's A/AAAA record on the public address. */
export interface DdnsStatus {
  /** `held`: the address found is not one the internet can reach (private, CGNAT…), so nothing was written; `error` says why. */
  state: 'off' | 'idle' | 'updating' | 'updated' | 'held' | 'error';
  /** The address last written to DNS. */
  address?: string;
  lastUpdate?: string;
  error?: string;
}
