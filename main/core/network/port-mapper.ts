/**
 * What every port-mapping protocol (UPnP IGD, NAT-PMP, PCP) offers the RouterManager.
 * One request shape so the manager does not care which protocol the router speaks.
 */
export type MappingProtocol = 'upnp' | 'natpmp' | 'pcp';
export type Transport = 'TCP' | 'UDP';

export interface MapRequest {
  internalClient: string;
  internalPort: number;
  externalPort: number;
  transport: Transport;
  /** Seconds; 0 asks for a permanent mapping where the protocol allows it. */
  lifetimeSeconds: number;
  description: string;
  /** PCP mapping nonce (hex, 12 bytes); the same nonce must be used to renew or delete. */
  nonce?: string;
}

export interface MapResult {
  externalPort: number;
  /** What the router granted (0 = permanent). */
  lifetimeSeconds: number;
  externalAddress?: string;
  nonce?: string;
}

export interface MappingEntry {
  externalPort: number;
  internalClient: string;
  internalPort: number;
  transport: Transport;
  description: string;
  leaseSeconds: number;
  enabled: boolean;
}

/** The port is taken by someone else; Portico leaves it alone. */
export class MappingConflictError extends Error {
  readonly externalPort: number;
  readonly owner: string | null;
  /** The port the router offered instead (NAT-PMP, PCP), when it did. */
  readonly offeredPort: number | null;
  constructor(externalPort: number, owner: string | null, detail: string, offeredPort: number | null = null) {
    super(detail);
    this.name = 'MappingConflictError';
    this.externalPort = externalPort;
    this.owner = owner;
    this.offeredPort = offeredPort;
  }
}

export interface PortMapper {
  readonly protocol: MappingProtocol;
  externalAddress(): Promise<string>;
  /** Create or renew. Throws MappingConflictError when the external port belongs to another host. */
  map(req: MapRequest): Promise<MapResult>;
  /** Delete a mapping this host made (same request as map; lifetime ignored). */
  unmap(req: MapRequest): Promise<void>;
  /** Who holds an external port right now, when the protocol can tell (UPnP only). */
  lookup?(externalPort: number, transport: Transport): Promise<MappingEntry | null>;
  /** Every mapping on the router, when the protocol can list (UPnP only). */
  list?(): Promise<MappingEntry[]>;
}
