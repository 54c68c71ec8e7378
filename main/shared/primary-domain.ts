/**
 * The domain Portico shows and checks first (tray URL, health line, `portico doctor`, the
 * reachability check): the first name that is not a wildcard, else the wildcard's base name.
 * One rule because the copies disagreed: one stripped `*.`, others showed "https://*.example.com".
 */
export function primaryDomain(domains: readonly string[]): string | null {
  const plain = domains.find((d) => !d.startsWith('*.'));
  if (plain !== undefined) return plain;
  const first = domains[0];
  return first === undefined ? null : first.slice(2);
}
