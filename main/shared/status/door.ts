/** Door (proxy) status: listeners, certificate served per host, traffic counters. Owned by the proxy. */
export interface DoorListenerStatus { kind: 'https' | 'http'; port: number; listening: boolean; error?: string }
export interface DoorRouteStatus {
  host: string;
  upstream: string;
  /** What certificate the door serves for this host now. */
  certificate: 'none' | 'placeholder' | 'real';
  openConnections: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
}
export interface DoorStatus {
  state: 'stopped' | 'starting' | 'running' | 'error';
  listeners: DoorListenerStatus[];
  routes: DoorRouteStatus[];
  /** `names`: what passes through to PMS's own TLS port (e.g. `*.<hash>.plex.direct`); absent when the door is not built yet. */
  passthrough: { openConnections: number; total: number; bytesIn: number; bytesOut: number; names?: string };
  /** Errors by kind since start, e.g. { 'upstream-refused': 3, 'bad-client-hello': 1 }. */
  errors: Record<string, number>;
  error?: { code: string; message: string; fix?: string };
}
