// Median issuance time against pebble, 10 runs per challenge type, through the real door
// (tls-alpn-01, http-01) and through RFC 2136 to a real BIND (dns-01).
// Usage: npx node scripts/measure-issuance.ts [runs]
// Each run is CertManager.renewNow({force:true}): order, challenge, finalize, download, atomic
// store and PKCS#12 export. The account exists after the first (warm-up) run, as in real life.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPebble } from '../test/helpers/pebble.ts';
import { startBind } from '../test/helpers/bind.ts';
import { Door } from '../main/core/proxy/door.ts';
import { ChallengeStore } from '../main/core/certs/challenge-store.ts';
import { MemorySecretStore } from '../main/core/support/secret-store.ts';
import { silentLogger } from '../main/core/support/logger.ts';
import { systemClock } from '../main/core/support/clock.ts';
import { CertManager } from '../main/core/certs/cert-manager.ts';
import type { ChallengeType, Config } from '../main/shared/config.ts';

const RUNS = Number(process.argv[2] ?? 10);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

async function measure(challenge: ChallengeType): Promise<number[]> {
  const challenges = new ChallengeStore();
  const door = new Door({ bind: '127.0.0.1', httpsPorts: [0], httpPort: 0, publicHttpsPort: 443, routes: [], passthrough: { host: '127.0.0.1', port: 9 }, challenges, logger: silentLogger });
  await door.start();
  const bind = challenge === 'dns-01' ? await startBind() : null;
  const pebble = await startPebble({ httpPort: door.ports().http!, tlsPort: door.ports().https[0]!, ...(bind ? { dnsServer: bind.address } : {}) });
  const dataDir = await mkdtemp(join(tmpdir(), 'portico-measure-'));
  try {
    const dns: Config['dns'] = bind
      ? { provider: { kind: 'rfc2136', server: bind.host, port: bind.port, zone: bind.zone, keyName: bind.keyName, keyAlgorithm: bind.keyAlgorithm, keySecret: bind.keySecret }, resolver: null, ddns: false }
      : { provider: null, resolver: null, ddns: false };
    const cm = new CertManager({
      domains: ['app.example.test'], dns, dataDir, secrets: new MemorySecretStore(), challenges, clock: systemClock, logger: silentLogger,
      acme: { directoryUrl: pebble.directoryUrl, email: null, challenge, caFile: pebble.apiCaPath, keyType: 'ecdsa-p256', eab: null, preflight: false },
      onCertificate: (h, pem, kind) => door.setCertificate(h, pem, kind), dnsPropagationMs: 0,
    });
    const warm = await cm.renewNow({ force: true });
    if (!warm.ok) throw new Error(`${challenge}: ${warm.error.message}`);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await cm.renewNow({ force: true });
      if (!r.ok) throw new Error(`${challenge} run ${i + 1}: ${r.error.message}`);
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    await pebble.stop();
    await bind?.stop();
    await door.stop(100);
    await rm(dataDir, { recursive: true, force: true });
  }
}

for (const c of ['tls-alpn-01', 'http-01', 'dns-01'] as const) {
  const t = await measure(c);
  console.log(`${c.padEnd(12)} median ${median(t).toFixed(0)} ms  (min ${Math.min(...t).toFixed(0)}, max ${Math.max(...t).toFixed(0)}, n=${t.length})`);
}
