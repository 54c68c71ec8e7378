import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { DataDir } from '../support/data-dir.ts';

export interface PlaceholderCert { key: string; cert: string; hosts: string[] }

const VALID_DAYS = 3650;

/**
 * The self-signed certificate the door serves for our domains until a real one exists, so the
 * HTTPS door works (with a browser warning) from the first start. ECDSA P-256, made once and kept
 * in dataDir so it stays the same across restarts; made again only if the domain list changes.
 */
export async function placeholderCert(dataDir: string, hosts: string[], now: Date = new Date()): Promise<PlaceholderCert> {
  const files = new DataDir(dataDir).placeholder;
  const want = [...new Set(hosts.map((h) => h.toLowerCase()))];
  const same = (x: unknown) => Array.isArray(x) && [...x].sort().join(',') === [...want].sort().join(',');
  try {
    const meta = JSON.parse(await readFile(files.hosts, 'utf8')) as unknown;
    if (same(meta)) {
      const [key, cert] = await Promise.all([readFile(files.key, 'utf8'), readFile(files.cert, 'utf8')]);
      return { key, cert, hosts: want };
    }
  } catch {
    // missing or unreadable: make a new one below
  }
  const made = await generate(want, now);
  await mkdir(files.dir, { recursive: true });
  await writeFileAtomic(files.key, made.key, 0o600);
  await writeFileAtomic(files.cert, made.cert, 0o644);
  await writeFileAtomic(files.hosts, JSON.stringify(want), 0o644);
  return made;
}

/**
 * Made with node:crypto and a few lines of DER (RFC 5280), not an X.509 library: the libraries
 * hold ~8 MB for the life of the process, and a first start makes this certificate (docs/bench.md,
 * memory of `portico serve`). Node's own X509Certificate reads it back in the tests.
 */
async function generate(hosts: string[], now: Date): Promise<PlaceholderCert> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = seq(rdn(OID_CN, hosts[0] ?? 'portico.invalid'), rdn(OID_O, 'Portico placeholder (not trusted)'));
  const serial = randomBytes(12);
  serial[0] = (serial[0]! & 0x7f) || 1; // positive, and no leading zero byte (DER is minimal)
  const tbs = seq(
    tlv(0xa0, int(Buffer.of(2))), // v3
    int(serial),
    ECDSA_SHA256,
    name,
    seq(time(new Date(now.getTime() - 3600_000)), time(new Date(now.getTime() + VALID_DAYS * 86400_000))),
    name, // self-issued
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(
      extension(OID_BASIC_CONSTRAINTS, true, seq()), // not a CA
      extension(OID_KEY_USAGE, true, tlv(0x03, Buffer.of(7, 0x80))), // digitalSignature
      extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH))),
      extension(OID_SUBJECT_ALT_NAME, false, seq(...hosts.map((h) => tlv(0x82, Buffer.from(h, 'ascii'))))),
    )),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.concat([Buffer.of(0), signature])));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert, hosts };
}

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** A DER element: tag, definite length, contents. */
function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.of(n) : n < 0x100 ? Buffer.of(0x81, n) : Buffer.of(0x82, n >> 8, n & 0xff);
  return Buffer.concat([Buffer.of(tag), len, body]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const int = (b: Buffer) => tlv(0x02, b);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) base128.unshift((v & 0x7f) | 0x80);
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/** One relative distinguished name: a SET with one attribute, its value a UTF8String. */
const rdn = (type: string, value: string) => tlv(0x31, seq(oid(type), tlv(0x0c, Buffer.from(value, 'utf8'))));

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, in UTC to the second. */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.of(0xff))] : []), tlv(0x04, value));
}
