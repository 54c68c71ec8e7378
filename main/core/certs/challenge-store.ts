import type { SecureContext } from 'node:tls';

/**
 * Challenge material the certificate issuer publishes and the doors answer from:
 * http-01 key authorizations (HTTP door, /.well-known/acme-challenge/<token>) and tls-alpn-01
 * certificates (HTTPS door, ALPN `acme-tls/1`, keyed by the SNI name being validated).
 */
export class ChallengeStore {
  private readonly http = new Map<string, string>();
  private readonly alpn = new Map<string, SecureContext>();

  setHttp(token: string, keyAuthorization: string): void { this.http.set(token, keyAuthorization); }
  deleteHttp(token: string): void { this.http.delete(token); }
  getHttp(token: string): string | undefined { return this.http.get(token); }

  setAlpn(servername: string, context: SecureContext): void { this.alpn.set(servername.toLowerCase(), context); }
  deleteAlpn(servername: string): void { this.alpn.delete(servername.toLowerCase()); }
  getAlpn(servername: string): SecureContext | undefined { return this.alpn.get(servername.toLowerCase()); }

  get size(): number { return this.http.size + this.alpn.size; }
}
