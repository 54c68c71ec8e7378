/**
 * `portico doctor [--json] --config FILE`: looks at the router, the public address, the domain's
 * DNS and hairpin NAT, and prints every finding with its fix plus the port-mapping state.
 * It only looks: nothing is mapped or changed. Exit 0 when nothing is an error, 1 otherwise.
 */
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig } from '../load-config.ts';
import { parseCliArgs } from '../args.ts';
import { createLogger } from '../../core/support/logger.ts';
import { systemClock } from '../../core/support/clock.ts';
import { RouterManager } from '../../core/network/router-manager.ts';
import { gatherFacts } from '../../core/network/gather-facts.ts';
import { diagnose, type ReachabilityFacts } from '../../core/network/diagnose.ts';
import { StunPublicIp } from '../../core/network/stun-public-ip.ts';
import { HttpPublicIp } from '../../core/network/http-public-ip.ts';
import type { PublicIpProvider } from '../../core/network/public-ip-provider.ts';
import type { Finding, RouterStatus } from '../../shared/status/router.ts';
import { primaryDomain } from '../../shared/primary-domain.ts';

export interface DoctorReport { domain: string; router: RouterStatus; facts: ReachabilityFacts; findings: Finding[] }

const MARK: Record<Finding['severity'], string> = { ok: 'ok  ', info: 'info', warning: 'WARN', error: 'FAIL' };

export async function doctor(args: string[], io: CliIo): Promise<number> {
  const a = parseCliArgs(args, { command: 'doctor', usage: 'portico doctor [--json] --config FILE', flags: ['--json'], options: ['--config'] }, io);
  if (!a) return EXIT_USAGE;
  const json = a.flags['--json'];
  const loaded = await loadConfig(a.options['--config'], io);
  if (!loaded) return EXIT_USAGE;
  const c = loaded.config;
  const logger = createLogger({ level: 'warn', sink: (r) => io.err(`${r.level}: ${r.msg}`) });
  const manager = new RouterManager({
    mode: c.router.mode, dataDir: c.dataDir, clock: systemClock, logger, gateway: c.router.gateway,
    doors: { ...c.door, mapPlexPort: c.router.mapPlexPort },
  });
  const router = await manager.inspect();
  const publicIp: PublicIpProvider[] = [
    ...(c.publicIp.stunServer ? [new StunPublicIp(c.publicIp.stunServer)] : []),
    ...c.publicIp.httpEndpoints.map((u) => new HttpPublicIp(u)),
  ];
  const domain = primaryDomain(c.domains)!;
  const facts = await gatherFacts({ domain, publicHttpsPort: c.door.publicHttpsPort, router, publicIp, resolver: c.dns.resolver });
  // Without a configured service, the router's own answer is the best public address we have.
  if (!facts.publicAddress && publicIp.length === 0 && router.externalAddress) facts.publicAddress = router.externalAddress;
  const findings = diagnose(facts);
  router.findings = findings;
  router.publicAddress = facts.publicAddress ?? undefined;
  const report: DoctorReport = { domain, router, facts, findings };
  if (json) io.out(JSON.stringify(report, null, 2));
  else print(report, io);
  return findings.some((f) => f.severity === 'error') ? EXIT_FAILED : EXIT_OK;
}

function print(r: DoctorReport, io: CliIo): void {
  const s = r.router;
  const yn = (v: boolean | undefined) => (v === undefined ? 'not tried' : v ? 'yes' : 'no');
  io.out(`Portico doctor for ${r.domain}`);
  io.out('');
  io.out('Router');
  io.out(`  mode            ${s.mode}`);
  io.out(`  gateway         ${s.gateway ?? 'none found'}${s.lanAddress ? `   (this machine: ${s.lanAddress})` : ''}`);
  if (s.protocols) io.out(`  protocols       UPnP ${yn(s.protocols.upnp)}, PCP ${yn(s.protocols.pcp)}, NAT-PMP ${yn(s.protocols.natpmp)}`);
  io.out(`  router WAN IP   ${s.externalAddress ?? 'unknown'}`);
  io.out(`  public IP       ${r.facts.publicAddress ?? 'unknown'}`);
  if (s.adminUrl) io.out(`  admin page      ${s.adminUrl}`);
  for (const m of s.mappings) {
    io.out(`  WAN ${String(m.externalPort).padEnd(5)} -> ${m.internalClient}:${m.internalPort} ${m.transport}  ${m.state}${m.state === 'mapped' ? ` (${m.protocol})` : ''}`);
    if (m.error) io.out(`        ${m.error}`);
  }
  if (s.manual?.length) {
    io.out('');
    io.out('Forward these by hand in the router\'s port-forwarding page' + (s.adminUrl ? ` (${s.adminUrl})` : '') + ':');
    io.out('  external port  protocol  to address        internal port  for');
    for (const m of s.manual) io.out(`  ${String(m.externalPort).padEnd(13)}  ${m.transport.padEnd(8)}  ${m.internalClient.padEnd(16)}  ${String(m.internalPort).padEnd(13)}  ${m.name}`);
  }
  io.out('');
  io.out('Findings');
  for (const f of r.findings) {
    io.out(`  [${MARK[f.severity]}] ${f.title}`);
    if (f.severity !== 'ok') {
      io.out(`         ${f.detail}`);
      if (f.fix) io.out(`         Fix: ${f.fix}`);
    }
  }
  if (r.findings.length === 0) io.out('  (nothing could be checked)');
}
