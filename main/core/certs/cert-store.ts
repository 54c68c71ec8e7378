/**
 * Certificates on disk under `<dataDir>/certs/<name>/`: `cert.pem` (leaf + chain), `key.pem`
 * (0600), `meta.json` (written last, with SHA-256 of the other two, so a set interrupted half
 * way is recognised), and `previous/` holding the set before the last renewal. Every write is
 * atomic (temp file, fsync, rename). Loading checks the hashes, parses the certificate and
 * checks the key matches; a bad current set falls back to `previous/`.
 */
import { readFile, mkdir, chmod } from 'node:fs/promises';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../support/atomic-file.ts';

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
  /** Why sets on disk were skipped (for the log and status). */
  problems: string[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Directory-safe name for a set of domains (the first name; `*` becomes `_wildcard`). */
function certName(domains: string[]): string {
  return (domains[0] ?? 'default').replace(/^\*\./, '_wildcard.').replace(/[^a-z0-9._-]/gi, '_');
}

export class CertStore {
  readonly dir: string;

  constructor(dataDir: string, domains: string[]) {
    this.dir = join(dataDir, 'certs', certName(domains));
  }

  get lockPath(): string { return join(this.dir, 'issue.lock'); }
  get pkcs12Path(): string { return join(this.dir, 'cert.p12'); }

  private async loadSet(dir: string, source: StoredCert['source']): Promise<StoredCert | string> {
    let metaText: string, cert: string, key: string;
    try {
      [metaText, cert, key] = await Promise.all([readFile(join(dir, 'meta.json'), 'utf8'), readFile(join(dir, 'cert.pem'), 'utf8'), readFile(join(dir, 'key.pem'), 'utf8')]);
    } catch (e) {
      return `${source}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing files' : (e as Error).message}`;
    }
    let meta: CertMeta;
    try {
      meta = JSON.parse(metaText) as CertMeta;
    } catch {
      return `${source}: meta.json is not valid JSON (half-written?)`;
    }
    if (meta.certSha256 !== sha256(cert) || meta.keySha256 !== sha256(key)) return `${source}: cert.pem or key.pem does not match meta.json (half-written or edited)`;
    try {
      const leaf = new X509Certificate(cert);
      if (!leaf.checkPrivateKey(createPrivateKey(key))) return `${source}: key.pem does not belong to cert.pem`;
      return { key, cert, meta, leaf, source };
    } catch (e) {
      return `${source}: unreadable certificate or key (${(e as Error).message})`;
    }
  }

  /** The newest good set: current, else previous. */
  async load(): Promise<LoadResult> {
    const problems: string[] = [];
    for (const [dir, source] of [[this.dir, 'current'], [join(this.dir, 'previous'), 'previous']] as const) {
      const r = await this.loadSet(dir, source);
      if (typeof r !== 'string') return { cert: r, problems };
      if (!r.endsWith('missing files') || source === 'current') problems.push(r);
    }
    return { cert: null, problems: problems.filter((p) => p !== 'current: missing files') };
  }

  /** Keep the current good set as previous/, then write the new one (meta last). */
  async save(pem: { key: string; cert: string }, meta: Omit<CertMeta, 'certSha256' | 'keySha256'>): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const current = await this.loadSet(this.dir, 'current');
    if (typeof current !== 'string') {
      const prev = join(this.dir, 'previous');
      await writeFileAtomic(join(prev, 'key.pem'), current.key, 0o600);
      await writeFileAtomic(join(prev, 'cert.pem'), current.cert);
      await writeFileAtomic(join(prev, 'meta.json'), JSON.stringify(current.meta, null, 2));
    }
    const full: CertMeta = { ...meta, certSha256: sha256(pem.cert), keySha256: sha256(pem.key) };
    await writeFileAtomic(join(this.dir, 'key.pem'), pem.key, 0o600);
    await writeFileAtomic(join(this.dir, 'cert.pem'), pem.cert);
    await writeFileAtomic(join(this.dir, 'meta.json'), JSON.stringify(full, null, 2));
    await chmod(this.dir, 0o700).catch(() => {});
  }
}
