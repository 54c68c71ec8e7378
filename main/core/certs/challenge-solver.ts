/**
 * Publishes challenge answers where the CA will look: http-01 and tls-alpn-01 in the
 * ChallengeStore the doors answer from; dns-01 as a TXT record through a DnsProvider.
 */
import { createSecureContext } from 'node:tls';
import type * as Acme from 'acme-client';
import type { ChallengeType } from '../../shared/config.ts';
import type { ChallengeStore } from './challenge-store.ts';
import type { DnsError, DnsProvider } from '../dns/dns-provider.ts';
import type { Result } from '../../shared/result.ts';
import { err, ok } from '../../shared/result.ts';
import { sleep, type Clock } from '../support/clock.ts';

export interface ChallengeTarget {
  type: ChallengeType;
  /** The name being validated, without `*.`. */
  identifier: string;
  token: string;
  /** For dns-01 acme-client already gives the TXT value (base64url SHA-256 of the key authorization). */
  keyAuthorization: string;
  authz: Acme.Authorization;
}

export interface ChallengeSolver {
  present(t: ChallengeTarget): Promise<Result<void, DnsError>>;
  /** Remove what present() published; a DNS provider's refusal comes back as a value, not a throw. */
  cleanup(t: ChallengeTarget): Promise<Result<void, DnsError>>;
}

export interface ChallengeSolverDeps {
  challenges: ChallengeStore;
  dns: DnsProvider | null;
  dnsPropagationMs: number;
  clock: Clock;
  /** The tls-alpn-01 certificate (RFC 8737) for an authorization: [key, cert] in PEM. */
  alpnCertificate: (authz: Acme.Authorization, keyAuthorization: string) => Promise<[Buffer, Buffer]>;
}

export function challengeSolver(deps: ChallengeSolverDeps): ChallengeSolver {
  const txtName = (t: ChallengeTarget) => `_acme-challenge.${t.identifier}`;
  return {
    async present(t) {
      switch (t.type) {
        case 'http-01':
          deps.challenges.setHttp(t.token, t.keyAuthorization);
          return ok(undefined);
        case 'tls-alpn-01': {
          const [key, cert] = await deps.alpnCertificate(t.authz, t.keyAuthorization);
          deps.challenges.setAlpn(t.identifier, createSecureContext({ key, cert }));
          return ok(undefined);
        }
        case 'dns-01': {
          if (!deps.dns) return err({ code: 'dns-provider-missing', retryable: false, message: 'dns-01 needs a DNS provider and none is configured', fix: 'add dns.provider (cloudflare, duckdns or rfc2136) to the config' });
          const r = await deps.dns.addTxt(txtName(t), t.keyAuthorization);
          if (r.ok && deps.dnsPropagationMs > 0) await sleep(deps.clock, deps.dnsPropagationMs);
          return r;
        }
      }
    },
    async cleanup(t) {
      if (t.type === 'http-01') deps.challenges.deleteHttp(t.token);
      else if (t.type === 'tls-alpn-01') deps.challenges.deleteAlpn(t.identifier);
      else if (deps.dns) return deps.dns.removeTxt(txtName(t), t.keyAuthorization);
      return ok(undefined);
    },
  };
}
