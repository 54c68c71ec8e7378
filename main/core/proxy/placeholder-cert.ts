import { webcrypto, randomBytes } from 'node:crypto';
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

async function generate(hosts: string[], now: Date): Promise<PlaceholderCert> {
  // Loaded only to make one (rare): kept out of every start's memory (docs/bench.md, Memory).
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto as unknown as typeof globalThis.crypto;
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(12).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${hosts[0] ?? 'portico.invalid'}, O=Portico placeholder (not trusted)`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + VALID_DAYS * 86400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: 'dns' as const, value: h }))),
    ],
  }, crypto);
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { key, cert: cert.toString('pem') + '\n', hosts };
}
