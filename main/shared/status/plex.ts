/** Plex Media Server status. Owned by the plex module. */
export interface PlexStatus {
  state: 'unknown' | 'unreachable' | 'found' | 'signed-in' | 'configured' | 'error';
  url: string;
  machineIdentifier?: string;
  version?: string;
  signedIn: boolean;
  /** Where the working Plex token came from (never the token itself). */
  tokenSource?: 'config' | 'local-store' | 'signed-in' | 'none';
  /** Portico's settings are applied to PMS (customConnections etc.). */
  applied: boolean;
  mappingState?: string;
  error?: { code: string; message: string; fix?: string };
}
