import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { Preflight, stagingDirectory } from '../../../main/core/certs/preflight.ts';
import type { IssueRequest, Issuer } from '../../../main/core/certs/issuer.ts';
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from '../../../main/shared/config.ts';

const HOST = 'plex.example.test';

/** An Issuer that fails the challenges in `failing` (as a CA that cannot reach that port would). */
function issuer(failing: string[], asked: { url: string; req: IssueRequest }[], url: string): Issuer {
  return {
    issue: async (req) => {
      asked.push({ url, req });
      return failing.includes(req.challenge)
        ? { ok: false, error: { code: 'acme-challenge-failed', retryable: true, message: `${req.challenge} did not get through` } }
        : { ok: true, value: { key: 'k', cert: 'c' } };
    },
    renewalInfo: async () => null,
  };
}

test('staging twins: Let\'s Encrypt production -> staging, ZeroSSL none, a private CA is its own', () => {
  assert.equal(stagingDirectory(LETS_ENCRYPT_PRODUCTION), LETS_ENCRYPT_STAGING);
  assert.equal(stagingDirectory('https://acme.zerossl.com/v2/DV90'), null);
  assert.equal(stagingDirectory('https://ca.internal/dir'), 'https://ca.internal/dir');
});

test('auto: each candidate is tried against staging until one gets through, and that one is remembered', async (t) => {
  const file = join(await tmpDir(t), 'preflight.json');
  const asked: { url: string; req: IssueRequest }[] = [];
  const p = new Preflight({ file, directoryUrl: LETS_ENCRYPT_PRODUCTION, domains: [HOST], keyType: 'ecdsa-p256', logger: silentLogger });
  assert.equal(await p.passed(), null);
  const r = await p.run(async (url) => issuer(['tls-alpn-01'], asked, url), ['tls-alpn-01', 'http-01', 'dns-01'], Date.UTC(2026, 0, 1));
  assert.deepEqual(r, { ok: true, value: 'http-01' });
  assert.deepEqual(asked.map((a) => [a.url, a.req.challenge]), [[LETS_ENCRYPT_STAGING, 'tls-alpn-01'], [LETS_ENCRYPT_STAGING, 'http-01']]);
  assert.equal(await p.passed(), 'http-01');
  const otherNames = new Preflight({ file, directoryUrl: LETS_ENCRYPT_PRODUCTION, domains: ['other.example.test'], keyType: 'ecdsa-p256', logger: silentLogger });
  assert.equal(await otherNames.passed(), null, 'a pre-flight for other names does not count');
});

test('every candidate failing: the error says it was the pre-flight, and nothing is remembered', async (t) => {
  const file = join(await tmpDir(t), 'preflight.json');
  const p = new Preflight({ file, directoryUrl: LETS_ENCRYPT_PRODUCTION, domains: [HOST], keyType: 'ecdsa-p256', logger: silentLogger });
  const r = await p.run(async (url) => issuer(['tls-alpn-01', 'http-01'], [], url), ['tls-alpn-01', 'http-01'], Date.UTC(2026, 0, 1));
  assert.ok(!r.ok);
  assert.match(r.error.message, /^Pre-flight against the staging CA failed: http-01 did not get through/);
  assert.equal(await p.passed(), null);
});

test('no staging CA (ZeroSSL): nothing is ordered', async (t) => {
  const p = new Preflight({ file: join(await tmpDir(t), 'preflight.json'), directoryUrl: 'https://acme.zerossl.com/v2/DV90', domains: [HOST], keyType: 'ecdsa-p256', logger: silentLogger });
  const asked: { url: string; req: IssueRequest }[] = [];
  assert.deepEqual(await p.run(async (url) => issuer([], asked, url), ['http-01'], 0), { ok: true, value: null });
  assert.equal(asked.length, 0);
});
