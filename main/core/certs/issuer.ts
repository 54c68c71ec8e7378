/**
 * Our issuing interface, so the certificate manager does not depend on the ACME library (and
 * tests or other CAs can stand behind it).
 */
import type { ChallengeType, KeyType } from '../../shared/config.ts';
import type { AppError, Result } from '../../shared/result.ts';
import type { AcmeProblem } from './acme-problem.ts';
import type { RenewalWindow } from './renewal-policy.ts';

export interface IssueRequest {
  domains: string[];
  keyType: KeyType;
  /** Challenge for plain names; wildcard names always use dns-01. */
  challenge: ChallengeType;
}

export interface IssuedCertificate {
  /** PEM private key of the certificate. */
  key: string;
  /** PEM leaf followed by the chain. */
  cert: string;
}

export interface IssueFailure extends AppError {
  /** false: trying again cannot help (bad credentials, refused name); stop and say why. */
  retryable: boolean;
  /** The CA asked us to wait this long (Retry-After on rateLimited / 503). */
  retryAfterMs?: number;
  /** The CA's own problem document, when there was one. */
  problem?: AcmeProblem;
}

export interface Issuer {
  issue(req: IssueRequest): Promise<Result<IssuedCertificate, IssueFailure>>;
  /** The CA's suggested renewal window (ACME ARI, RFC 9773), or null when the CA offers none. */
  renewalInfo(certPem: string): Promise<RenewalWindow | null>;
}
