// `npm run demo`: the headless service with local stand-ins for the outside world, on loopback
// only, so anyone can click through the whole wizard without Plex, a domain or a router:
// pebble as the CA, the PMS and plex.tv stand-ins, no router (mode "off"). The UI shows a demo
// banner. Ctrl-C stops everything and removes the temporary data directory.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../main/core/support/clock.ts';
import { createLogger } from '../main/core/support/logger.ts';
import { MemorySecretStore } from '../main/core/support/secret-store.ts';
import { startPebble } from '../test/helpers/pebble.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { startPublicDns } from '../test/helpers/public-dns.ts';
import { startStunStandIn } from '../test/stand-ins/stun.ts';
import { PmsStandIn } from '../test/stand-ins/pms.ts';
import { PlexTvStandIn } from '../test/stand-ins/plextv.ts';
import { Service } from '../main/core/service/service.ts';
import { HeadlessUi } from '../main/core/ui/headless-ui.ts';
import { buildRenderer } from '../test/e2e/build-renderer.ts';

const OWNER = { id: 1, username: 'demo', email: 'demo@example.com', token: 'demo-owner-token-0000' };
const DOMAIN = 'plex.demo.test';
/** A documentation address (RFC 5737) playing this network's public address. */
const DEMO_PUBLIC_IP = '203.0.113.7';

const uiPort = Number(process.env.PORTICO_DEMO_PORT ?? 8765);
const dir = await mkdtemp(join(tmpdir(), 'portico-demo-'));
const dataDir = join(dir, 'data');
await mkdir(dataDir, { recursive: true });
const stops: (() => Promise<unknown>)[] = [async () => rm(dir, { recursive: true, force: true })];
const stopAll = async () => { for (const s of stops.splice(0).reverse()) await s().catch(() => {}); };

try {
  const pms = new PmsStandIn({ supportDir: join(dir, 'pms'), ownerToken: OWNER.token, reachabilityDelayMs: 500 });
  await pms.start();
  stops.push(() => pms.stop());
  const tv = new PlexTvStandIn({ clock: systemClock, accounts: [OWNER] });
  tv.addServer({
    name: 'Demo Plex', machineIdentifier: pms.opts.machineIdentifier, ownerToken: OWNER.token,
    connections: () => (pms.pref('customConnections') ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((uri) => {
      const u = new URL(uri);
      return { protocol: u.protocol.slice(0, -1), address: u.hostname, port: Number(u.port || 443), uri, local: false, relay: false };
    }),
  });
  await tv.start();
  stops.push(() => tv.stop());
  const [doorHttps, doorHttp] = [await freePort(), await freePort()];
  const pebble = await startPebble({ httpPort: doorHttp, tlsPort: doorHttps });
  stops.push(() => pebble.stop());

  // The internet's view of this network, played on loopback: a STUN server that reports a
  // public address, and a "public DNS" that answers the demo domain with it (pebble keeps its own
  // DNS, which sends its validator to the door: the outside check).
  const stun = await startStunStandIn();
  stun.behaviour = { kind: 'answer', reportAddress: DEMO_PUBLIC_IP };
  stops.push(() => stun.close());
  const publicDns = await startPublicDns(DEMO_PUBLIC_IP);
  stops.push(() => publicDns.stop());

  const configPath = join(dir, 'portico.json');
  await writeFile(configPath, JSON.stringify({
    domains: [DOMAIN],
    dataDir,
    door: { bind: '127.0.0.1', httpsPorts: [doorHttps], httpPort: doorHttp },
    plex: { url: pms.url },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, email: 'demo@example.com' },
    router: { mode: 'off' },
    publicIp: { stunServer: `127.0.0.1:${stun.port}` },
    dns: { resolver: publicDns.resolver },
    ui: { port: uiPort },
  }, null, 2));
  const logger = createLogger({ level: 'warn' });
  const opened = await Service.open({
    configPath, dataDir, secrets: new MemorySecretStore(), clock: systemClock, demo: true, logger,
    extraTrustedCAs: [pebble.rootPem],
    // As if Plex Media Server on this machine had its owner's token in its own settings.
    plex: { plexTvBaseUrl: tv.url, tokenSources: [async () => ({ token: OWNER.token, source: 'demo Plex Media Server settings' })], reachabilityPoll: { everyMs: 250, attempts: 40 } },
  });
  if (!opened.ok) throw new Error(opened.error.map((p) => `${p.key}: ${p.message}`).join('; '));
  const service = opened.value;
  await service.start();
  stops.push(() => service.stop(0));
  const ui = await HeadlessUi.start({ ...service.api, service, dataDir, port: uiPort, staticDir: await buildRenderer(join(dir, 'renderer')), logger });
  stops.push(() => ui.stop());

  console.log('==================================================================');
  console.log(' DEMO MODE: stand-ins for Plex, plex.tv and the CA; not a real setup');
  console.log('==================================================================');
  console.log('Portico demo is running (everything on 127.0.0.1; nothing leaves this machine):');
  console.log(`  CA (pebble):         ${pebble.directoryUrl}`);
  console.log(`  Plex Media Server:   ${pms.url} (stand-in)`);
  console.log(`  plex.tv:             ${tv.url} (stand-in)`);
  console.log(`  public address:      ${DEMO_PUBLIC_IP} (STUN stand-in; "public DNS" answers ${DOMAIN} with it)`);
  console.log(`  door:                https://127.0.0.1:${doorHttps} (serves https://${DOMAIN}), http://127.0.0.1:${doorHttp}`);
  console.log(`  temporary data:      ${dir}`);
  console.log('');
  console.log(`Open the dashboard: ${ui.url}`);
  console.log('Press Ctrl+C to stop.');
} catch (e) {
  console.error(`demo: could not start (${(e as Error).message}). It needs the Debian packages pebble and openssl (scripts/install-system-deps.sh); if port ${uiPort} is busy set PORTICO_DEMO_PORT.`);
  await stopAll();
  process.exit(1);
}

await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
console.log('\nStopping the demo…');
await stopAll();
process.exit(0);
