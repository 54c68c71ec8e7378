import { connect as tlsConnect } from 'node:tls';
import { constants } from 'node:crypto';
import type { Logger } from '../support/logger.ts';

export interface PlexDirectNamesOptions {
  /** PMS's own TLS port (the passthrough target). */
  target: { host: string; port: number };
  logger: Logger;
  /** Give up on one look at PMS's certificate after this. */
  probeTimeoutMs?: number;
  /** Look again at most this often (PMS down, or a name with another hash). */
  retryMs?: number;
}

/** `<anything>.<hash>.plex.direct`: the one label PMS's `*.<hash>.plex.direct` certificate covers. */
const PLEX_DIRECT = /^[a-z0-9-]+\.([a-z0-9]+)\.plex\.direct$/;
const SAN_HASH = /DNS:\*\.([a-z0-9]+)\.plex\.direct(?:,|$)/i;

/**
 * Which `*.plex.direct` names pass through to PMS's own TLS port. Only this server's
 * `*.<hash>.plex.direct` once known: the hash is read from the certificate PMS itself presents
 * on its TLS port, looked up again when PMS could not be reached or when a name with another hash
 * arrives (PMS may have been claimed again). Until it is known, any `*.plex.direct` name passes:
 * those are the Plex apps this door exists for.
 */
export class PlexDirectNames {
  private readonly o: Required<PlexDirectNamesOptions>;
  private hash: string | null = null;
  private probing: Promise<void> | null = null;
  private lastProbe = -Infinity;

  constructor(o: PlexDirectNamesOptions) {
    this.o = { probeTimeoutMs: 5_000, retryMs: 30_000, ...o };
  }

  /** What passes through now, as a pattern for status and logs. */
  get pattern(): string {
    return this.hash ? `*.${this.hash}.plex.direct` : '*.plex.direct';
  }

  /** Does `sni` (lower case) go to PMS? May look at PMS's certificate again first. */
  async accepts(sni: string): Promise<boolean> {
    const m = PLEX_DIRECT.exec(sni);
    if (!m) return false;
    if (this.hash === null) {
      void this.learn();
      return true;
    }
    if (m[1] === this.hash) return true;
    await this.learn();
    return m[1] === this.hash;
  }

  /** Read the hash from PMS's certificate (rate-limited; concurrent callers share one look). */
  learn(): Promise<void> {
    if (this.probing) return this.probing;
    if (performance.now() - this.lastProbe < this.o.retryMs) return Promise.resolve();
    this.lastProbe = performance.now();
    this.probing = this.probe().finally(() => { this.probing = null; });
    return this.probing;
  }

  private probe(): Promise<void> {
    const { host, port } = this.o.target;
    return new Promise((resolve) => {
      const s = tlsConnect({ host, port, rejectUnauthorized: false, secureOptions: constants.SSL_OP_NO_RENEGOTIATION, timeout: this.o.probeTimeoutMs });
      const done = (hash: string | null, why?: string) => {
        s.destroy();
        if (hash && hash !== this.hash) this.o.logger.info('passthrough limited to this server\'s plex.direct names', { names: `*.${hash}.plex.direct` });
        if (hash) this.hash = hash;
        if (why) this.o.logger.debug('could not read PMS\'s plex.direct certificate', { target: `${host}:${port}`, why });
        resolve();
      };
      s.once('secureConnect', () => {
        const m = SAN_HASH.exec(s.getPeerX509Certificate()?.subjectAltName ?? '');
        done(m ? m[1]!.toLowerCase() : null, m ? undefined : 'no *.<hash>.plex.direct name in its certificate');
      });
      s.once('timeout', () => done(null, 'timed out'));
      s.once('error', (e) => done(null, e.message));
    });
  }
}
