/**
 * The Issuer on acme-client 5.4, driving RFC 8555 step by step (account, order, one
 * authorization at a time, challenge, finalize, chain) rather than `auto()`: its self-check
 * would fail behind hairpin NAT, it hides the CA's problem documents, and DuckDNS can hold only
 * one TXT value at a time. The account key is created once and kept in the SecretStore. An
 * extra CA (acme.caFile) is trusted through an https.Agent set on this client's own requests;
 * acme-client's global axios defaults are left alone.
 *
 * Longer than ~300 lines on purpose: the RFC 8555 steps are one flow that reads best in order.
 */
import { Agent, request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type * as Acme from 'acme-client';
import type { ChallengeType } from '../../shared/config.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { ChallengeStore } from './challenge-store.ts';
import type { DnsProvider } from '../dns/dns-provider.ts';
import type { Logger } from '../support/logger.ts';
import { systemClock, type Clock } from '../support/clock.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { explainProblem, type AcmeProblem } from './acme-problem.ts';
import { challengeSolver, type ChallengeSolver, type ChallengeTarget } from './challenge-solver.ts';
import type { IssuedCertificate, IssueFailure, IssueRequest, Issuer } from './issuer.ts';
import type { RenewalWindow } from './renewal-policy.ts';

export interface AcmeIssuerOptions {
  directoryUrl: string;
  /** Extra CA to trust for the ACME server itself (PEM), e.g. a test CA. */
  caPem: string | null;
  email: string | null;
  eab: { kid: string; hmacKey: string } | null;
  secrets: SecretStore;
  challenges: ChallengeStore;
  dns: DnsProvider | null;
  logger: Logger;
  /** Wait after publishing a dns-01 TXT before telling the CA (provider propagation). */
  dnsPropagationMs?: number;
  /** Times the DNS propagation wait. [system clock] */
  clock?: Clock;
  /** First delay when polling an authorization or order. */
  pollMinMs?: number;
}

interface HttpLike { request(url: string, method: string, opts?: Record<string, unknown>): Promise<{ status: number; headers: Record<string, string>; data: unknown }> }
interface Captured { problem: AcmeProblem; retryAfterMs?: number }

/** Our scheduler does the retrying: acme-client's own axios retries (up to 75 s of sleeps) are switched off per request. */
const NO_LIBRARY_RETRY = 1_000_000;

/**
 * acme-client's axios interceptor turns every failure without a response (refused, reset,
 * TLS not trusted, timeout) into "Cannot read properties of undefined (reading 'config')".
 * The agent remembers the socket's own error so we can say what really happened.
 */
class TrackingAgent extends Agent {
  lastError: NodeJS.ErrnoException | undefined;
  override createConnection(...args: Parameters<Agent['createConnection']>): ReturnType<Agent['createConnection']> {
    const s = super.createConnection(...args);
    s?.on('error', (e: NodeJS.ErrnoException) => { this.lastError = e; });
    return s;
  }
}
/**
 * acme-client, with axios, node-forge and @peculiar/x509 under it (about 10 MB resident, bench.md),
 * is loaded at the first exchange with the CA, not at start: a service whose certificate is not due
 * needs none of it until the next outside check or order. The ARI lookup does without it, and so
 * does an order or check whose CA cannot be reached (see `unreachable`).
 */
const acmeClient = () => import('acme-client').then((m) => m.default);
const DIRECTORY_STEP = "reading the CA's directory";
const ACCOUNT_STEP = 'creating the ACME account';
const DEFAULT_PROPAGATION: Record<DnsProvider['kind'], number> = { cloudflare: 10_000, duckdns: 30_000, rfc2136: 1_000 };

export class AcmeIssuer implements Issuer {
  private readonly o: AcmeIssuerOptions;
  private readonly agent: TrackingAgent;
  private readonly log: Logger;
  private readonly solver: ChallengeSolver;
  private readonly caName: string;
  /** ECDSA: acme-client's default RSA-2048 key costs ~100 ms per tls-alpn-01 challenge. */
  private alpnKey: Promise<Buffer> | null = null;

  constructor(o: AcmeIssuerOptions) {
    this.o = o;
    this.agent = new TrackingAgent({ keepAlive: true, ...(o.caPem ? { ca: o.caPem } : {}) });
    this.log = o.logger.child('acme');
    if (o.eab) this.log.addSecret(o.eab.hmacKey);
    this.caName = new URL(o.directoryUrl).host.includes('letsencrypt') ? "Let's Encrypt" : new URL(o.directoryUrl).host.includes('zerossl') ? 'ZeroSSL' : `the CA at ${new URL(o.directoryUrl).host}`;
    this.solver = challengeSolver({
      challenges: o.challenges,
      dns: o.dns,
      dnsPropagationMs: o.dnsPropagationMs ?? (o.dns ? DEFAULT_PROPAGATION[o.dns.kind] : 0),
      clock: o.clock ?? systemClock,
      alpnCertificate: async (authz, keyAuthorization) => {
        const acme = await acmeClient();
        return acme.crypto.createAlpnCertificate(authz, keyAuthorization, await (this.alpnKey ??= acme.crypto.createPrivateEcdsaKey('P-256')));
      },
    });
  }

  private async accountKey(): Promise<string> {
    const name = `acme-account-key:${this.o.directoryUrl}`;
    const existing = await this.o.secrets.get(name);
    if (existing) return existing;
    const key = (await (await acmeClient()).crypto.createPrivateEcdsaKey('P-256')).toString();
    await this.o.secrets.set(name, key);
    return key;
  }

  private async client(captured: { last?: Captured }): Promise<Acme.Client> {
    const accountKey = await this.accountKey();
    this.log.addSecret(accountKey);
    const client = new (await acmeClient()).Client({
      directoryUrl: this.o.directoryUrl,
      accountKey,
      ...(this.o.eab ? { externalAccountBinding: this.o.eab } : {}),
      backoffAttempts: 12,
      backoffMin: this.o.pollMinMs ?? 500,
      backoffMax: 10_000,
    });
    // acme-client keeps its HttpClient on `client.http` (src/client.js); wrapping its request()
    // gives this client its own TLS trust and lets us keep the CA's problem documents.
    const http = (client as unknown as { http: HttpLike }).http;
    const original = http.request.bind(http);
    http.request = async (url, method, opts = {}) => {
      this.agent.lastError = undefined;
      let resp: Awaited<ReturnType<HttpLike['request']>>;
      try {
        resp = await original(url, method, { ...opts, httpsAgent: this.agent, timeout: 30_000, retryAttempt: NO_LIBRARY_RETRY });
      } catch (e) {
        const cause = this.agent.lastError ?? (e as NodeJS.ErrnoException);
        const code = cause.code ?? (e instanceof TypeError ? 'ETIMEDOUT' : undefined);
        throw Object.assign(new Error(`${method.toUpperCase()} ${url}: ${cause.message}`, { cause: e }), { code });
      }
      const data = resp.data as { type?: string; detail?: string; status?: string; error?: AcmeProblem; subproblems?: AcmeProblem['subproblems'] } | undefined;
      if (resp.status >= 400 && data?.type && !data.type.endsWith(':badNonce')) {
        const ra = parseRetryAfter(resp.headers['retry-after']);
        captured.last = { problem: { type: data.type, detail: data.detail ?? '', status: resp.status, subproblems: data.subproblems }, ...(ra !== undefined ? { retryAfterMs: ra } : {}) };
      } else if (data?.status === 'invalid' && data.error?.type) {
        captured.last = { problem: data.error };
      }
      return resp;
    };
    return client;
  }

  /**
   * Find the account for our key, else register it. acme-client's createAccount() turns an
   * existing account into an empty update, which CAs may refuse; onlyReturnExisting avoids that.
   */
  private async ensureAccount(client: Acme.Client, captured: { last?: Captured }): Promise<void> {
    try {
      await client.createAccount({ onlyReturnExisting: true });
      return;
    } catch (e) {
      if (!captured.last?.problem.type.endsWith(':accountDoesNotExist')) throw e;
      captured.last = undefined;
    }
    try {
      await client.createAccount({ termsOfServiceAgreed: true, ...(this.o.email ? { contact: [`mailto:${this.o.email}`] } : {}) });
    } catch (e) {
      // An order and the outside check share the key: the other may have registered it meanwhile,
      // and the CA refuses the empty update acme-client then sends. The account is there; use it.
      const refused = captured.last;
      captured.last = undefined;
      try {
        await client.createAccount({ onlyReturnExisting: true });
      } catch {
        captured.last = refused;
        throw e;
      }
    }
  }

  async issue(req: IssueRequest): Promise<Result<IssuedCertificate, IssueFailure>> {
    const offline = await this.unreachable();
    if (offline) return err(this.failure(offline, DIRECTORY_STEP, undefined, undefined));
    const captured: { last?: Captured } = {};
    let step = ACCOUNT_STEP;
    let challengeInUse: ChallengeType | undefined;
    try {
      const client = await this.client(captured);
      await this.ensureAccount(client, captured);
      step = 'placing the order';
      const order = await client.createOrder({ identifiers: req.domains.map((value) => ({ type: 'dns', value })) });
      const authzs = await client.getAuthorizations(order);
      for (const authz of authzs) {
        if (authz.status === 'valid') continue;
        const type: ChallengeType = authz.wildcard ? 'dns-01' : req.challenge;
        challengeInUse = type;
        step = `answering the ${type} challenge for ${authz.identifier.value}`;
        const answered = await this.answer(client, authz, type);
        if (!answered.ok) return answered;
      }
      step = 'finalizing the order';
      const { crypto } = await acmeClient();
      const key = (req.keyType === 'rsa-2048' ? await crypto.createPrivateRsaKey(2048) : await crypto.createPrivateEcdsaKey('P-256')).toString();
      const plain = req.domains.find((d) => !d.startsWith('*.')) ?? req.domains[0]!;
      const [, csr] = await crypto.createCsr({ commonName: plain, altNames: req.domains }, key);
      const finalized = await client.finalizeOrder(order, csr);
      step = 'downloading the certificate';
      const cert = await client.getCertificate(finalized);
      return ok({ key, cert });
    } catch (e) {
      return err(this.failure(e as Error & { code?: string }, step, captured.last, challengeInUse));
    }
  }

  /** Present the answer for one authorization (one validation of a name at a time), let the CA validate it, and always take the answer down again. */
  private answer(client: Acme.Client, authz: Acme.Authorization, type: ChallengeType): Promise<Result<void, IssueFailure>> {
    return this.o.challenges.exclusive(authz.identifier.value, () => this.answerNow(client, authz, type));
  }

  private async answerNow(client: Acme.Client, authz: Acme.Authorization, type: ChallengeType): Promise<Result<void, IssueFailure>> {
    const challenge = authz.challenges.find((c) => c.type === type);
    if (!challenge) {
      return err({ code: 'acme-challenge-unsupported', retryable: false, message: `${this.caName} does not offer ${type} for ${authz.identifier.value} (offered: ${authz.challenges.map((c) => c.type).join(', ')})`, fix: 'set acme.challenge to one of the offered types' });
    }
    const target: ChallengeTarget = { type, identifier: authz.identifier.value, token: challenge.token, keyAuthorization: await client.getChallengeKeyAuthorization(challenge), authz };
    const presented = await this.solver.present(target);
    try {
      if (!presented.ok) {
        await client.deactivateAuthorization(authz).catch(() => {});
        return err({ ...presented.error, message: `could not publish the dns-01 record: ${presented.error.message}` });
      }
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
      return ok(undefined);
    } finally {
      const cleaned = await this.solver.cleanup(target).catch((e: unknown) => err({ code: 'challenge-cleanup-failed', retryable: true, message: (e as Error).message }));
      if (!cleaned.ok) this.log.warn('could not remove the challenge answer; a stale _acme-challenge TXT record may be left (harmless, remove it by hand if you like)', { name: target.identifier, code: cleaned.error.code, error: cleaned.error.message });
    }
  }

  /**
   * The view from outside: ask the CA to validate `domain` with `challenge` and stop there, with
   * no certificate ordered. Success means the CA's validation servers reached the door from the
   * internet under our name. The authorization is then deactivated, so that the next check makes
   * the CA connect again instead of reusing this one (CAs reuse valid authorizations for weeks).
   */
  async validate(domain: string, challenge: 'tls-alpn-01' | 'http-01'): Promise<Result<void, IssueFailure>> {
    const offline = await this.unreachable();
    if (offline) return err(this.failure(offline, DIRECTORY_STEP, undefined, challenge, 'The check'));
    const captured: { last?: Captured } = {};
    let step = ACCOUNT_STEP;
    try {
      const client = await this.client(captured);
      await this.ensureAccount(client, captured);
      const pending = async (): Promise<Acme.Authorization> => {
        step = 'placing the order';
        const order = await client.createOrder({ identifiers: [{ type: 'dns', value: domain }] });
        const [authz] = await client.getAuthorizations(order);
        if (!authz) throw new Error('the CA returned an order without an authorization');
        return authz;
      };
      let authz = await pending();
      // A valid authorization from an earlier order says nothing about today: retire it and ask again.
      if (authz.status === 'valid') {
        await client.deactivateAuthorization(authz);
        authz = await pending();
        if (authz.status === 'valid') throw new Error('the CA keeps reusing an old validation');
      }
      step = `answering the ${challenge} challenge for ${domain}`;
      const r = await this.answer(client, authz, challenge);
      if (r.ok) await client.deactivateAuthorization(authz).catch((e: unknown) => this.log.debug('deactivating the check\'s authorization failed', { error: (e as Error).message }));
      return r;
    } catch (e) {
      return err(this.failure(e as Error & { code?: string }, step, captured.last, challenge, 'The check'));
    }
  }

  private failure(e: Error & { code?: string }, step: string, captured: Captured | undefined, challenge: ChallengeType | undefined, what = 'Certificate order'): IssueFailure {
    if (captured && step === ACCOUNT_STEP && !/:(rateLimited|serverInternal|badNonce|externalAccountRequired)$/.test(captured.problem.type)) {
      return { code: 'acme-account-refused', retryable: false, problem: captured.problem, message: `${what} failed while ${step}: ${this.caName} refused the account (it said: "${captured.problem.detail}").`, fix: this.o.eab ? 'check acme.eab: the key id and HMAC key must be the pair your CA shows (ZeroSSL: Developer section)' : 'check acme.email and acme.directoryUrl; if the CA needs External Account Binding, set acme.eab' };
    }
    if (captured) {
      const x = explainProblem(captured.problem, { caName: this.caName, ...(challenge ? { challenge } : {}) });
      return { ...x, message: `${what} failed while ${step}. ${x.message}`, problem: captured.problem, ...(captured.retryAfterMs !== undefined ? { retryAfterMs: captured.retryAfterMs } : {}) };
    }
    const code = e.code ?? '';
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
      return { code: 'acme-untrusted', retryable: false, message: `${what} failed while ${step}: the ACME server's own certificate is not trusted (${code}).`, fix: 'check acme.directoryUrl; for a private or test CA set acme.caFile to its CA certificate' };
    }
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|EPIPE/.test(code)) {
      return { code: 'acme-unreachable', retryable: true, message: `${what} failed while ${step}: ${this.caName} could not be reached (${code}).`, fix: 'check the internet connection; Portico tries again on its schedule' };
    }
    return { code: 'acme-failed', retryable: true, message: `${what} failed while ${step}: ${e.message}`, fix: 'Portico tries again on its schedule; if it keeps failing, check the log' };
  }

  /**
   * One GET of the directory before acme-client is loaded: a CA that cannot be reached (no network
   * yet, the CA down, a firewall) is told without loading the ~10 MB under acme-client, which a
   * service would then keep for good. Only a failure to connect or to trust the CA ends the attempt
   * here (the error `failure()` explains); any answer, even an error page, goes on to acme-client,
   * which reads the CA's problem document.
   */
  private async unreachable(): Promise<(Error & { code?: string }) | null> {
    try {
      await this.getJson(this.o.directoryUrl);
      return null;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ? e as NodeJS.ErrnoException : null;
    }
  }

  private getJson(url: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const r = request(url, { agent: this.agent, timeout: 15_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) return reject(new Error(`HTTP ${res.statusCode}`));
          try { resolve(JSON.parse(body)); } catch (e) { reject(e as Error); }
        });
      });
      r.on('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      r.on('error', reject);
      r.end();
    });
  }

  async renewalInfo(certPem: string): Promise<RenewalWindow | null> {
    try {
      const dir = (await this.getJson(this.o.directoryUrl)) as { renewalInfo?: string };
      if (!dir.renewalInfo) return null;
      const info = (await this.getJson(`${dir.renewalInfo.replace(/\/$/, '')}/${ariCertId(certPem)}`)) as { suggestedWindow?: { start: string; end: string } };
      const start = Date.parse(info.suggestedWindow?.start ?? ''), end = Date.parse(info.suggestedWindow?.end ?? '');
      if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return null;
      return { start, end, source: 'ari' };
    } catch (e) {
      this.log.debug('ARI lookup failed; using the lifetime rule', { error: (e as Error).message });
      return null;
    }
  }
}

function parseRetryAfter(v: string | undefined): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

const b64url = (b: Buffer) => b.toString('base64url');

/** One DER element at `at`: its tag and where its contents start and end (definite lengths, as DER has). */
function derAt(b: Buffer, at: number): { tag: number; start: number; end: number } {
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  if (start + len > b.length) throw new Error('certificate DER is cut short');
  return { tag: b[at]!, start, end: start + len };
}

function derChildren(b: Buffer, el: { start: number; end: number }): { tag: number; start: number; end: number }[] {
  const out = [];
  for (let at = el.start; at < el.end; at = out[out.length - 1]!.end) out.push(derAt(b, at));
  return out;
}

/** 2.5.29.35, authorityKeyIdentifier, as DER OID contents. */
const AKI_OID = Buffer.from([0x55, 0x1d, 0x23]);

/**
 * RFC 9773 section 4.1: base64url(AKI keyIdentifier) "." base64url(serial DER contents). A few
 * lines of DER walking rather than an ASN.1 library, so the renewal check loads nothing heavy.
 */
export function ariCertId(certPem: string): string {
  const x = new X509Certificate(certPem);
  const der = x.raw;
  const tbs = derChildren(der, derAt(der, 0))[0]!;
  const extensions = derChildren(der, tbs).find((e) => e.tag === 0xa3); // [3] EXPLICIT Extensions
  let keyId: Buffer | undefined;
  for (const ext of extensions ? derChildren(der, derChildren(der, extensions)[0]!) : []) {
    const parts = derChildren(der, ext); // extnID, critical?, extnValue
    if (!der.subarray(parts[0]!.start, parts[0]!.end).equals(AKI_OID)) continue;
    const aki = derAt(der, parts[parts.length - 1]!.start); // the AuthorityKeyIdentifier SEQUENCE inside the OCTET STRING
    const kid = derChildren(der, aki).find((e) => e.tag === 0x80); // [0] IMPLICIT keyIdentifier
    if (kid) keyId = der.subarray(kid.start, kid.end);
  }
  if (!keyId) throw new Error('certificate has no Authority Key Identifier');
  let serial = Buffer.from(x.serialNumber.length % 2 ? `0${x.serialNumber}` : x.serialNumber, 'hex');
  if (serial[0]! & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${b64url(keyId)}.${b64url(serial)}`;
}

