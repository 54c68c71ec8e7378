import type { SecureContext } from 'node:tls';

/**
 * Challenge material the certificate issuer publishes and the doors answer from:
 * http-01 key authorizations (HTTP door, /.well-known/acme-challenge/<token>) and tls-alpn-01
 * certificates (HTTPS door, ALPN `acme-tls/1`, keyed by the SNI name being validated).
 */
export class ChallengeStore {
  private readonly http = new Map<string, string>();
  private readonly alpn = new Map<string, SecureContext>();
  private readonly turns = new Map<string, Promise<unknown>>();

  setHttp(token: string, keyAuthorization: string): void { this.http.set(token, keyAuthorization); }
  deleteHttp(token: string): void { this.http.delete(token); }
  getHttp(token: string): string | undefined { return this.http.get(token); }

  setAlpn(servername: string, context: SecureContext): void { this.alpn.set(servername.toLowerCase(), context); }
  deleteAlpn(servername: string): void { this.alpn.delete(servername.toLowerCase()); }
  getAlpn(servername: string): SecureContext | undefined { return this.alpn.get(servername.toLowerCase()); }

  /**
   * Run `fn` while no other validation of `name` is under way. The door can present one
   * tls-alpn-01 answer per name, so an order and the outside check (or two orders) for the same
   * name must take turns, or each would overwrite the answer the CA is checking for the other.
   */
  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const key = name.toLowerCase();
    const before = this.turns.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const settled = mine.catch(() => undefined);
    this.turns.set(key, settled);
    try {
      return await mine;
    } finally {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    }
  }

  get size(): number { return this.http.size + this.alpn.size; }
}
