import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa { caPem: string; certPem: string; keyPem: string; selfSignedPem: string; selfSignedKeyPem: string }

/**
 * A throwaway CA and a leaf for `names` (valid `leafDays`, 1 by default), made with the openssl CLI
 * (ECDSA, so it is quick), plus a self-signed certificate for the same names (what a placeholder looks like).
 */
export function makeTestCa(dir: string, names: string[], leafDays = 1): TestCa {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const san = names.map((n) => `DNS:${n}`).join(',');
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Portico Test Root');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${names[0]}`);
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${san}\n`);
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', String(leafDays), '-extfile', 'ext.cnf');
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '1', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`);
  const r = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { caPem: r('ca.pem'), certPem: r('leaf.pem'), keyPem: r('leaf.key'), selfSignedPem: r('self.pem'), selfSignedKeyPem: r('self.key') };
}
