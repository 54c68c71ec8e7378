/**
 * Certificates on disk (file names: support/data-dir.ts): `cert.pem` (leaf + chain), `key.pem`
 * (0600), `meta.json` (written last, with SHA-256 of the other two, so a set interrupted half
 * way is recognised), and `previous/` holding the set before the last renewal. Every write is
 * atomic (temp file, fsync, rename). Loading checks the hashes, parses the certificate and
 * checks the key matches; a bad current set falls back to `previous/`.
 */
import { readFile, mkdir, chmod } from 'node:fs/promises';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { basename } from 'node:path';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { DataDir, type CertFiles, type CertSetFiles } from '../support/data-dir.ts';

export interface CertMeta {
  domains: string[];
  issuedAt: string;
  directoryUrl: string;
  challenge?: string;
  certSha256: string;
  keySha256: string;
}

export interface StoredCert {
  key: string;
  cert: string;
  meta: CertMeta;
  leaf: X509Certificate;
  /** Which set on disk this came from. */
  source: 'current' | 'previous';
}

export interface LoadResult {
  cert: StoredCert | null;
  /** Why the current set was not used although files are there (absent files are no damage). */
  damaged: string | null;
  /** Why sets on disk were skipped (for the log). */
  problems: string[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const MISSING = 'missing files';

export class CertStore {
  readonly files: CertSetFiles;

  constructor(dataDir: string, domains: string[]) {
    this.files = new DataDir(dataDir).certSet(domains);
  }

  get dir(): string { return this.files.dir; }

  private async loadSet(f: CertFiles, source: StoredCert['source']): Promise<StoredCert | string> {
    const read = await Promise.allSettled([readFile(f.meta, 'utf8'), readFile(f.cert, 'utf8'), readFile(f.key, 'utf8')]);
    const absent = read.map((r) => r.status === 'rejected' && (r.reason as NodeJS.ErrnoException).code === 'ENOENT');
    if (absent.every(Boolean)) return MISSING;
    const names = [f.meta, f.cert, f.key].map((p) => basename(p));
    if (absent.some(Boolean)) return `${names.filter((_, i) => absent[i]).join(' and ')} missing`;
    const failed = read.find((r) => r.status === 'rejected');
    if (failed) return `unreadable (${(failed.reason as Error).message})`;
    const [metaText, cert, key] = read.map((r) => (r as PromiseFulfilledResult<string>).value) as [string, string, string];
    let meta: CertMeta;
    try {
      meta = JSON.parse(metaText) as CertMeta;
    } catch {
      return 'meta.json is not valid JSON (half-written?)';
    }
    if (meta.certSha256 !== sha256(cert) || meta.keySha256 !== sha256(key)) return 'cert.pem or key.pem does not match meta.json (half-written or edited)';
    try {
      const leaf = new X509Certificate(cert);
      if (!leaf.checkPrivateKey(createPrivateKey(key))) return 'key.pem does not belong to cert.pem';
      return { key, cert, meta, leaf, source };
    } catch (e) {
      return `unreadable certificate or key (${(e as Error).message})`;
    }
  }

  /** The newest good set: current, else previous. */
  async load(): Promise<LoadResult> {
    const current = await this.loadSet(this.files, 'current');
    if (typeof current !== 'string') return { cert: current, damaged: null, problems: [] };
    // All three files missing is simply "no certificate yet"; anything else is damage.
    const damaged = current === MISSING ? null : current;
    const problems = damaged ? [`current: ${damaged}`] : [];
    const previous = await this.loadSet(this.files.previous, 'previous');
    if (typeof previous !== 'string') return { cert: previous, damaged, problems };
    if (previous !== MISSING) problems.push(`previous: ${previous}`);
    return { cert: null, damaged, problems };
  }

  /** Keep the current good set as previous/, then write the new one (meta last). */
  async save(pem: { key: string; cert: string }, meta: Omit<CertMeta, 'certSha256' | 'keySha256'>): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const current = await this.loadSet(this.files, 'current');
    if (typeof current !== 'string') {
      const prev = this.files.previous;
      await writeFileAtomic(prev.key, current.key, 0o600);
      await writeFileAtomic(prev.cert, current.cert);
      await writeFileAtomic(prev.meta, JSON.stringify(current.meta, null, 2));
    }
    const full: CertMeta = { ...meta, certSha256: sha256(pem.cert), keySha256: sha256(pem.key) };
    await writeFileAtomic(this.files.key, pem.key, 0o600);
    await writeFileAtomic(this.files.cert, pem.cert);
    await writeFileAtomic(this.files.meta, JSON.stringify(full, null, 2));
    await chmod(this.dir, 0o700).catch(() => {});
  }
}
