/**
 * The Domain step's live check: does each name resolve to the address the internet sees? One
 * check per name (green, red with the record to set, or grey when the public address is unknown)
 * and the records found, for the status.
 */
import type { Check } from '../../shared/api.ts';
import type { AppStatus } from '../../shared/status.ts';
import { resolveAddresses } from './gather-facts.ts';

export type DnsRecords = AppStatus['dns']['records'];

export interface DnsCheckOptions {
  names: string[];
  /** "ip" or "ip:port"; null = the system's resolver. */
  resolver: string | null;
  /** The address the internet sees (reachability.ts), null when unknown. */
  publicAddress: string | null;
}

/** A name that certainly does not lead here: the public address is known and the name has no record, or others. */
export interface PointsElsewhere { name: string; found: string[] }

export async function checkDns(o: DnsCheckOptions): Promise<{ checks: Check[]; records: DnsRecords; elsewhere: PointsElsewhere[] }> {
  const { publicAddress } = o;
  const checks: Check[] = [];
  const records: DnsRecords = [];
  const elsewhere: PointsElsewhere[] = [];
  for (const name of o.names) {
    // A wildcard has no record of its own: any name under it answers for it.
    const lookup = name.startsWith('*.') ? `portico-check.${name.slice(2)}` : name;
    const r = await resolveAddresses(lookup, o.resolver);
    const all = [...r.a, ...r.aaaa];
    const matches = (vs: string[]) => (publicAddress && vs.length ? vs.includes(publicAddress) : null);
    if (!r.error) {
      if (r.a.length) records.push({ name, type: 'A', values: r.a, matchesPublic: matches(r.a) });
      if (r.aaaa.length) records.push({ name, type: 'AAAA', values: r.aaaa, matchesPublic: null });
    }
    const base = { id: `dns:${name}`, title: `${name} points to this network` };
    if (r.error) checks.push({ ...base, ok: false, detail: r.error, fix: 'Check the internet connection (or dns.resolver in the config) and try again.' });
    else if (all.length === 0) checks.push({ ...base, ok: false, detail: `${name} has no A or AAAA record yet.`, fix: `Create an A record for ${name}${publicAddress ? ` pointing to ${publicAddress}` : ''} at your DNS provider, or turn on dynamic DNS below.` });
    else if (!publicAddress) checks.push({ ...base, ok: null, detail: `${name} resolves to ${all.join(', ')}; this network's public address is unknown, so Portico cannot compare.` });
    else if (all.includes(publicAddress)) checks.push({ ...base, ok: true, detail: `${name} resolves to ${publicAddress}, this network's public address.` });
    else checks.push({ ...base, ok: false, detail: `${name} resolves to ${all.join(', ')}, but this network's public address is ${publicAddress}.`, fix: `Change the A record of ${name} to ${publicAddress}, or turn on dynamic DNS so Portico keeps it current.` });
    if (!r.error && publicAddress && !all.includes(publicAddress)) elsewhere.push({ name, found: all });
  }
  return { checks, records, elsewhere };
}
