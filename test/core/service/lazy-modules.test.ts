import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/**
 * What `portico serve` loads before it talks to a CA. acme-client (with axios and node-forge under
 * it) and node-forge are loaded at their first use (an order, an outside check, a PKCS#12 export):
 * resident memory a service with a valid certificate does without (docs/bench.md).
 */
test('the service and `portico serve` load no ACME client, node-forge or x509 builder until they are used', () => {
  const modules = (entry: string) => execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    await import(${JSON.stringify(new URL(entry, import.meta.url).href)});
    console.log(JSON.stringify(seen));
  `], { encoding: 'utf8' });
  for (const entry of ['../../../main/core/service/service.ts', '../../../main/cli/commands/serve.ts']) {
    const loaded = JSON.parse(modules(entry)) as string[];
    assert.ok(loaded.some((u) => u.endsWith('/cert-manager.ts')), `${entry}: the certificate manager is loaded (the check sees the real import graph)`);
    for (const pkg of ['acme-client', 'node-forge', 'axios', '@peculiar/x509']) {
      assert.deepEqual(loaded.filter((u) => u.includes(`/node_modules/${pkg}/`)), [], `${entry} loads ${pkg} at start`);
    }
  }
});

/** A first start makes the placeholder certificate: with node:crypto alone, no X.509 library kept for good. */
test('making the placeholder certificate loads no X.509 or ASN.1 library', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { registerHooks } from 'node:module';
    import { mkdtemp } from 'node:fs/promises';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    const { placeholderCert } = await import(${JSON.stringify(new URL('../../../main/core/proxy/placeholder-cert.ts', import.meta.url).href)});
    const made = await placeholderCert(await mkdtemp(join(tmpdir(), 'portico-lazy-ph-')), ['plex.lazy.test']);
    console.log(JSON.stringify({ made: made.cert.startsWith('-----BEGIN CERTIFICATE-----'), libraries: seen.filter((u) => u.includes('/node_modules/')) }));
  `], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { made: true, libraries: [] });
});

/**
 * The checks talk to PMS every minute and to plex.tv every 15 minutes. Through `fetch()` their first
 * request set up undici's dispatcher and web streams for good (~12 MB of `portico serve`'s idle
 * memory, docs/bench.md); the core's clients use node:http(s) through `support/http-text.ts`.
 * undici announces every request it makes on the `undici:request:create` diagnostics channel.
 */
test('a service whose checks asked PMS and plex.tv made no request through fetch (undici)', () => {
  const href = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { join } from 'node:path';
    import { mkdtemp, rm, writeFile } from 'node:fs/promises';
    import { tmpdir } from 'node:os';
    import { subscribe } from 'node:diagnostics_channel';
    const throughFetch = [];
    subscribe('undici:request:create', ({ request }) => throughFetch.push(request.origin + request.path));
    const { Service } = await import(${href('../../../main/core/service/service.ts')});
    const { silentLogger } = await import(${href('../../../main/core/support/logger.ts')});
    const { MemorySecretStore } = await import(${href('../../../main/core/support/secret-store.ts')});
    const { systemClock } = await import(${href('../../../main/core/support/clock.ts')});
    const { PmsStandIn } = await import(${href('../../stand-ins/pms.ts')});
    const { PlexTvStandIn } = await import(${href('../../stand-ins/plextv.ts')});
    const { freePort } = await import(${href('../../helpers/free-port.ts')});
    const dir = await mkdtemp(join(tmpdir(), 'portico-undici-'));
    const token = 'owner-token-lazy-undici';
    const pms = new PmsStandIn({ supportDir: join(dir, 'pms'), ownerToken: token });
    await pms.start();
    const tv = new PlexTvStandIn({ clock: systemClock, accounts: [{ id: 1, username: 'owner', email: 'o@example.com', token }] });
    tv.addServer({ name: 'PMS', machineIdentifier: pms.opts.machineIdentifier, ownerToken: token, connections: () => [] });
    await tv.start();
    const configPath = join(dir, 'portico.json');
    await writeFile(configPath, JSON.stringify({
      domains: ['plex.lazy.test'], door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null },
      plex: { url: pms.url, token }, acme: { directoryUrl: 'https://127.0.0.1:' + await freePort() + '/directory' },
      router: { mode: 'off' }, publicIp: { lookup: false }, dns: { resolver: '127.0.0.1:' + await freePort() },
    }));
    const opened = await Service.open({ configPath, dataDir: join(dir, 'data'), secrets: new MemorySecretStore(), clock: systemClock, logger: silentLogger, plex: { plexTvBaseUrl: tv.url } });
    if (!opened.ok) throw new Error(JSON.stringify(opened.error));
    await opened.value.start();
    const checks = await opened.value.handlers['verify:run']();
    await opened.value.stop(0);
    await Promise.all([pms.stop(), tv.stop()]);
    await rm(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ throughFetch, checks: checks.ok ? checks.value.map((c) => ({ id: c.id, ok: c.ok, detail: c.detail })) : checks.error }));
  `], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { throughFetch: string[]; checks: { id: string; ok: boolean | null; detail: string }[] };
  const check = (id: string) => r.checks.find((c) => c.id === id);
  assert.equal(check('plex-mapping')?.ok, true, `PMS was asked with the token and answered: ${JSON.stringify(r.checks)}`);
  assert.match(check('plex-tv-resources')?.detail ?? '', /plex\.tv/, `plex.tv was asked: ${JSON.stringify(r.checks)}`);
  assert.deepEqual(r.throughFetch, [], 'requests made through fetch (undici)');
});

/**
 * A service started before the network is up (or whose CA is down) tries its order and its
 * outside check anyway. Neither needs acme-client to learn that the CA cannot be reached, and
 * loading it would keep its ~10 MB for the life of the process (docs/bench.md).
 */
test('an order and an outside check whose CA cannot be reached say so without loading the ACME client', () => {
  const href = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
    const { AcmeIssuer } = await import(${href('../../../main/core/certs/acme-issuer.ts')});
    const { ChallengeStore } = await import(${href('../../../main/core/certs/challenge-store.ts')});
    const { MemorySecretStore } = await import(${href('../../../main/core/support/secret-store.ts')});
    const { silentLogger } = await import(${href('../../../main/core/support/logger.ts')});
    const { freePort } = await import(${href('../../helpers/free-port.ts')});
    const issuer = new AcmeIssuer({ directoryUrl: 'https://127.0.0.1:' + await freePort() + '/directory', caPem: null, email: null, eab: null, secrets: new MemorySecretStore(), challenges: new ChallengeStore(), dns: null, logger: silentLogger });
    const order = await issuer.issue({ domains: ['plex.offline.test'], keyType: 'ecdsa-p256', challenge: 'tls-alpn-01' });
    const check = await issuer.validate('plex.offline.test', 'tls-alpn-01');
    console.log(JSON.stringify({ order, check, acme: seen.filter((u) => /node_modules\\/(acme-client|axios|node-forge|@peculiar)\\//.test(u)) }));
  `], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { order: { ok: boolean; error?: { code: string; retryable: boolean; message: string } }; check: { ok: boolean; error?: { code: string; message: string } }; acme: string[] };
  assert.deepEqual(r.acme, [], 'modules of the ACME client loaded');
  assert.equal(r.order.error?.code, 'acme-unreachable', JSON.stringify(r.order));
  assert.equal(r.order.error?.retryable, true, 'the scheduler tries again');
  assert.match(r.order.error?.message ?? '', /^Certificate order failed while reading the CA's directory: the CA at 127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)\.$/);
  assert.equal(r.check.error?.code, 'acme-unreachable', JSON.stringify(r.check));
  assert.match(r.check.error?.message ?? '', /^The check failed while reading the CA's directory/);
});
