/** Router / reachability status. Owned by the network module. */
export interface PortMappingStatus {
  protocol: 'upnp' | 'natpmp' | 'pcp' | 'manual';
  externalPort: number;
  internalPort: number;
  internalClient: string;
  transport: 'TCP' | 'UDP';
  state: 'mapped' | 'failed' | 'conflict' | 'manual';
  expiresAt?: string;
  error?: string;
}
export interface Finding {
  id: string;
  severity: 'ok' | 'info' | 'warning' | 'error';
  title: string;
  detail: string;
  fix?: string;
}
export interface RouterStatus {
  mode: 'auto' | 'upnp' | 'natpmp' | 'pcp' | 'manual' | 'off';
  state: 'off' | 'discovering' | 'mapped' | 'partial' | 'manual' | 'error';
  gateway?: string;
  externalAddress?: string;
  publicAddress?: string;
  mappings: PortMappingStatus[];
  findings: Finding[];
}
