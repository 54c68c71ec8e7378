/**
 * The little XML PMS, plex.tv and UPnP routers speak. PMS and plex.tv keep their data in attributes
 * (`<Setting id=".." value=".."/>`, `<MyPlex .../>`, `<Preferences .../>`). A full XML parser would
 * be a dependency for no gain; this reads attributes of named elements, decodes and escapes text
 * (UPnP's SOAP answers keep theirs in element text), and nothing else.
 */
export type XmlAttributes = Record<string, string>;

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITY[e.toLowerCase()] ?? _;
  });
}

export function escapeXmlAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;');
}

/** Attributes of every `<tag ...>` element, in document order; attribute order is kept. */
export function parseXmlElements(xml: string, tag: string): XmlAttributes[] {
  const out: XmlAttributes[] = [];
  const el = new RegExp(`<${tag}(\\s(?:[^>"']|"[^"]*"|'[^']*')*)?/?>`, 'g');
  for (const m of xml.matchAll(el)) {
    const attrs: XmlAttributes = {};
    for (const a of (m[1] ?? '').matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attrs[a[1]!] = decodeXmlText(a[2] ?? a[3] ?? '');
    }
    out.push(attrs);
  }
  return out;
}
