/** Certificate status per name set. Owned by the certificate manager. */
export interface CertificateStatus {
  domains: string[];
  state: 'none' | 'placeholder' | 'valid' | 'renewing' | 'expiring' | 'expired' | 'failed';
  issuer?: string;
  notBefore?: string;
  notAfter?: string;
  /** When the next renewal attempt (or the renewal window) is due. */
  nextAttemptAt?: string;
  lastError?: { code: string; message: string; fix?: string; at: string };
  challenge?: 'tls-alpn-01' | 'http-01' | 'dns-01';
  staging?: boolean;
}
export type CertificatesStatus = CertificateStatus[];
