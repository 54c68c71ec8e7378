/**
 * XML from PMS, plex.tv, UPnP routers and plists, read with fast-xml-parser into one small tree.
 * Real answers carry namespace prefixes (`s:`, `SOAP-ENV:`, `u:`), comments, CDATA, numeric
 * entities and odd whitespace; the regular expressions this replaces read attributes only and
 * got those wrong. Prefixes are dropped (a UPnP answer is matched by local name), text is trimmed,
 * and a document that is not well-formed is refused with the parser's reason, never guessed at.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  /** Local name (namespace prefix removed). */
  name: string;
  attrs: Record<string, string>;
  /** The element's own text (CDATA included), trimmed; '' when it has none. */
  text: string;
  children: XmlElement[];
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Numeric character references (&#233; &#x41;) besides the five XML ones.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function toElements(nodes: Node[]): { elements: XmlElement[]; text: string } {
  const elements: XmlElement[] = [];
  let text = '';
  for (const n of nodes) {
    for (const [k, v] of Object.entries(n)) {
      if (k === ':@') continue;
      if (k === '#text') { text += String(v); continue; }
      const inner = toElements(v as Node[]);
      elements.push({ name: k, attrs: { ...(n[':@'] ?? {}) }, text: inner.text.trim(), children: inner.elements });
    }
  }
  return { elements, text };
}

/** The document element. Throws an Error naming what is wrong when the text is not well-formed XML. */
export function parseXml(xml: string): XmlElement {
  const v = XMLValidator.validate(xml);
  if (v !== true) throw new Error(`not well-formed XML: ${v.err.msg} (line ${v.err.line})`);
  const root = toElements(parser.parse(xml) as Node[]).elements[0];
  if (!root) throw new Error('not an XML document: it has no element');
  return root;
}

/** Every element named `name` (local name, any case) in `el` and below, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const want = name.toLowerCase();
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name.toLowerCase() === want) out.push(e);
    for (const c of e.children) walk(c);
  };
  walk(el);
  return out;
}

/** The first element named `name` in `el` and below. */
export function find(el: XmlElement, name: string): XmlElement | undefined {
  return findAll(el, name)[0];
}

/** Text of the first element named `name` in `el` and below; undefined when there is none. */
export function textOf(el: XmlElement, name: string): string | undefined {
  return find(el, name)?.text;
}

/** For building XML: text and attribute values with the markup characters escaped. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;');
}
