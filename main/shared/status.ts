/**
 * The one status value the tray, the dashboard, `portico status --json` and GET /api/status show.
 * Derived, never stored. Top-level keys door, certificates, plex, router, health are a contract.
 */
import type { DoorStatus } from './status/door.ts';
import type { CertificatesStatus } from './status/certificates.ts';
import type { PlexStatus } from './status/plex.ts';
import type { RouterStatus } from './status/router.ts';
import type { Check, CheckArea } from './checks.ts';

export type { DoorStatus, CertificatesStatus, PlexStatus, RouterStatus };

export type HealthState = 'ok' | 'warning' | 'error' | 'working';
export interface Health {
  state: HealthState;
  /** One line: why. */
  reason: string;
  /** One line: what to do next (absent when nothing is needed). */
  action?: string;
  /** The part of the setup the verdict is about (a notification is sent once per state and area). */
  area?: CheckArea;
}

export interface AppStatus {
  version: string;
  demo: boolean;
  domains: string[];
  door: DoorStatus;
  certificates: CertificatesStatus;
  plex: PlexStatus;
  router: RouterStatus;
  dns: { records: { name: string; type: 'A' | 'AAAA'; values: string[]; matchesPublic: boolean | null }[]; lastDdnsUpdate?: string };
  /** The probes' latest results (door handshake, DNS, the CA's view from outside, plex.tv), each with its time. */
  checks: Check[];
  health: Health;
}
