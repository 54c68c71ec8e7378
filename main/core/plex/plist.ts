/**
 * Property list reader for macOS preference files, both encodings `defaults` writes:
 * binary (`bplist00`, the usual one) and XML. Only reading is needed (PMS writes its own file).
 * The binary reader is hand-written for now: `simple-plist` (bplist-parser + plist, both
 * maintained) reads both encodings, but no dependency may be added this round (issue 14). The XML
 * encoding goes through support/xml.ts; it trims text, harmless for the token this is read for.
 */
import { parseXml, type XmlElement } from '../support/xml.ts';

export type PlistValue = string | number | bigint | boolean | null | Date | Uint8Array | PlistValue[] | { [key: string]: PlistValue };

export function parsePlist(buf: Uint8Array): PlistValue {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.subarray(0, 6).toString('latin1') === 'bplist') return parseBinary(b);
  return parseXmlPlist(b.toString('utf8'));
}

// Apple's epoch for dates is 2001-01-01T00:00:00Z.
const APPLE_EPOCH_MS = Date.UTC(2001, 0, 1);

function parseBinary(b: Buffer): PlistValue {
  if (b.length < 40 || b.subarray(0, 8).toString('latin1') !== 'bplist00') throw new Error('not a bplist00 file');
  const t = b.length - 32;
  const offsetSize = b[t + 6]!;
  const refSize = b[t + 7]!;
  const numObjects = Number(b.readBigUInt64BE(t + 8));
  const top = Number(b.readBigUInt64BE(t + 16));
  const tableAt = Number(b.readBigUInt64BE(t + 24));
  if (tableAt + numObjects * offsetSize > t || top >= numObjects) throw new Error('bplist trailer is inconsistent');
  const uint = (at: number, size: number): number => {
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + b[at + i]!;
    return v;
  };
  const offsets = Array.from({ length: numObjects }, (_, i) => uint(tableAt + i * offsetSize, offsetSize));
  const depth = new Set<number>();

  const readObject = (ref: number): PlistValue => {
    if (ref >= numObjects) throw new Error('bplist object reference out of range');
    if (depth.has(ref)) throw new Error('bplist contains a cycle');
    depth.add(ref);
    try {
      return readAt(offsets[ref]!);
    } finally {
      depth.delete(ref);
    }
  };
  // Returns [length, position of the payload] for the variable-length object types.
  const lengthAt = (at: number): [number, number] => {
    const low = b[at]! & 0x0f;
    if (low !== 0x0f) return [low, at + 1];
    const intMarker = b[at + 1]!;
    if (intMarker >> 4 !== 0x1) throw new Error('bplist length is not an integer');
    const size = 1 << (intMarker & 0x0f);
    return [uint(at + 2, size), at + 2 + size];
  };
  const readAt = (at: number): PlistValue => {
    const marker = b[at]!;
    const kind = marker >> 4;
    switch (kind) {
      case 0x0:
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        return null;
      case 0x1: {
        const size = 1 << (marker & 0x0f);
        if (size === 8) {
          const v = b.readBigInt64BE(at + 1);
          return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
        }
        if (size === 16) return b.readBigInt64BE(at + 9);
        return uint(at + 1, size);
      }
      case 0x2: {
        const size = 1 << (marker & 0x0f);
        return size === 4 ? b.readFloatBE(at + 1) : b.readDoubleBE(at + 1);
      }
      case 0x3:
        return new Date(APPLE_EPOCH_MS + b.readDoubleBE(at + 1) * 1000);
      case 0x4: {
        const [n, p] = lengthAt(at);
        return new Uint8Array(b.subarray(p, p + n));
      }
      case 0x5: {
        const [n, p] = lengthAt(at);
        return b.subarray(p, p + n).toString('latin1');
      }
      case 0x6: {
        const [n, p] = lengthAt(at);
        const be = b.subarray(p, p + n * 2);
        const le = Buffer.alloc(be.length);
        for (let i = 0; i + 1 < be.length; i += 2) { le[i] = be[i + 1]!; le[i + 1] = be[i]!; }
        return le.toString('utf16le');
      }
      case 0x8:
        return uint(at + 1, (marker & 0x0f) + 1);
      case 0xa: {
        const [n, p] = lengthAt(at);
        return Array.from({ length: n }, (_, i) => readObject(uint(p + i * refSize, refSize)));
      }
      case 0xd: {
        const [n, p] = lengthAt(at);
        const o: { [key: string]: PlistValue } = {};
        for (let i = 0; i < n; i++) {
          const k = readObject(uint(p + i * refSize, refSize));
          o[String(k)] = readObject(uint(p + (n + i) * refSize, refSize));
        }
        return o;
      }
      default:
        throw new Error(`bplist object type 0x${marker.toString(16)} is not supported`);
    }
  };
  return readObject(top);
}

function parseXmlPlist(text: string): PlistValue {
  const doc = parseXml(text);
  if (doc.name !== 'plist') throw new Error(`not a property list: the root element is <${doc.name}>`);
  if (doc.children.length !== 1) throw new Error('a <plist> holds exactly one value');
  return xmlValue(doc.children[0]!);
}

function xmlValue(e: XmlElement): PlistValue {
  switch (e.name) {
    case 'true': return true;
    case 'false': return false;
    case 'string': return e.text;
    case 'integer': return Number(e.text);
    case 'real': return Number(e.text);
    case 'date': return new Date(e.text);
    case 'data': return new Uint8Array(Buffer.from(e.text.replace(/\s+/g, ''), 'base64'));
    case 'array': return e.children.map(xmlValue);
    case 'dict': {
      const o: { [key: string]: PlistValue } = {};
      const c = e.children;
      for (let i = 0; i < c.length; i += 2) {
        if (c[i]!.name !== 'key' || !c[i + 1]) throw new Error('a <dict> holds <key> and value pairs');
        o[c[i]!.text] = xmlValue(c[i + 1]!);
      }
      return o;
    }
    default:
      throw new Error(`unknown plist element <${e.name}>`);
  }
}
