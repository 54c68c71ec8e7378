import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../support/secret-store.ts';

/**
 * The passphrase of a certificate's PKCS#12 export: made once per certificate directory and kept
 * in the SecretStore, so PMS's custom-certificate setting keeps working across renewals.
 */
export async function pkcs12Passphrase(secrets: SecretStore, certDir: string): Promise<string> {
  const name = `pkcs12-passphrase:${certDir}`;
  const existing = await secrets.get(name);
  if (existing) return existing;
  const made = randomBytes(18).toString('base64url');
  await secrets.set(name, made);
  return made;
}
