/**
 * What people paste into the domain field: an address from the browser bar
 * (`https://Plex.Example.com:443/web/index.html`), with capitals or a trailing dot. Portico needs
 * only the host name; anything else is left for the service's check to refuse.
 */
export function cleanDomain(input: string): string {
  let s = input.trim();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ''); // scheme
  s = s.replace(/^[^/?#@]*@/, ''); // user:password@
  s = s.split(/[/?#]/, 1)[0] ?? '';
  s = s.replace(/:\d*$/, ''); // port
  s = s.replace(/\.$/, ''); // the root dot of a fully qualified name
  return s.toLowerCase();
}
