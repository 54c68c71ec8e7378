/** Certificate status per name set. Owned by the certificate manager. */
import type { ChallengeType } from '../config.ts';

export interface CertificateStatus {
  domains: string[];
  state: 'none' | 'placeholder' | 'valid' | 'renewing' | 'expiring' | 'expired' | 'failed';
  issuer?: string;
  notBefore?: string;
  notAfter?: string;
  /** When Portico obtained the certificate in use: its last issuance or renewal. */
  obtainedAt?: string;
  /** When the next renewal attempt (or the renewal window) is due. */
  nextAttemptAt?: string;
  lastError?: {
    code: string;
    message: string;
    fix?: string;
    at: string;
    /** false: retrying cannot fix it, so Portico stopped trying until the config changes or a forced renewal. */
    retryable?: boolean;
    /** The CA's own problem document (RFC 8555 section 6.7), when the CA sent one. */
    problem?: { type: string; detail: string; status?: number };
  };
  /** How the next renewal time was chosen: the CA's ARI window, or a third of the lifetime left. */
  renewalWindow?: { start: string; end: string; source: 'ari' | 'lifetime' };
  /** The PKCS#12 file for Plex Media Server's custom-certificate setting, once exported. */
  pkcs12Path?: string;
  challenge?: ChallengeType;
  /**
   * The current certificate files on disk are unusable (half-written, edited, key not matching):
   * what is wrong, which fallback the door serves meanwhile, and the fix in plain words.
   */
  damaged?: { problem: string; serving: 'previous' | 'placeholder'; fix: string };
  staging?: boolean;
}
export type CertificatesStatus = CertificateStatus[];
