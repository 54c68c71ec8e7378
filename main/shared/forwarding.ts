/**
 * What the router must forward: WAN port → door port, for the automatic mapper, the manual rows in
 * status and the wizard, `portico serve`'s printout and the diagnosis. One rule, because the copies
 * drifted: with `door.publicHttpsPort` ≠ 443 the mapper still opened 443, and the wizard listed
 * the 32400 forward even when `router.mapPlexPort` was off (so nobody mapped it).
 */

/** The door's side of the rule: the config's keys (with the ports the door really bound, where known). */
export interface ForwardingInput {
  /** The WAN port clients use for HTTPS (`door.publicHttpsPort`). */
  publicHttpsPort: number;
  /** The HTTPS doors; [0] serves the public port, [1] (optional) serves WAN 32400. */
  httpsPorts: readonly number[];
  /** The HTTP door; null = off, so WAN 80 is not forwarded. */
  httpPort: number | null;
  /** Forward WAN 32400 to the second HTTPS door (`router.mapPlexPort`). */
  mapPlexPort: boolean;
}

export type ForwardPurpose = 'https' | 'http' | 'plex-port';

export interface Forward {
  purpose: ForwardPurpose;
  /** What the forward is for, in the words every view uses. */
  name: string;
  externalPort: number;
  internalPort: number;
  transport: 'TCP';
}

/** The WAN port Plex apps hard-wire. */
export const PLEX_WAN_PORT = 32400;

/** The forwards, in the order they are shown and mapped: HTTPS, HTTP, then Plex's 32400. */
export function forwarding(i: ForwardingInput): Forward[] {
  const https = i.httpsPorts[0];
  if (https === undefined) return [];
  const out: Forward[] = [{ purpose: 'https', name: 'HTTPS (your Plex address)', externalPort: i.publicHttpsPort, internalPort: https, transport: 'TCP' }];
  if (i.httpPort !== null) out.push({ purpose: 'http', name: 'HTTP (certificate checks, redirects)', externalPort: 80, internalPort: i.httpPort, transport: 'TCP' });
  const second = i.httpsPorts[1];
  // With the public port already 32400, the first door has it: a second forward would collide.
  if (i.mapPlexPort && second !== undefined && i.publicHttpsPort !== PLEX_WAN_PORT) {
    out.push({ purpose: 'plex-port', name: 'Plex apps that use port 32400', externalPort: PLEX_WAN_PORT, internalPort: second, transport: 'TCP' });
  }
  return out;
}
