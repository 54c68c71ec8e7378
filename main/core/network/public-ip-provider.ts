/** Something that tells the address the internet sees (STUN, an HTTP echo, the router itself). */
export interface PublicIpProvider {
  /** For messages: "STUN stun.example.net:3478". */
  readonly name: string;
  /** The public address, or throws an Error that says what failed and what to do. */
  lookup(): Promise<string>;
}

/** The outcome of asking providers in turn: the first answer, or why none came. */
export interface PublicAddress {
  address: string | null;
  /** Name of the provider that answered. */
  from: string | null;
  /** Why the providers asked before the answer (or all of them) failed; null when none failed. */
  error: string | null;
}

/** Ask each provider in order; the first answer wins. Never throws. */
export async function lookupPublicAddress(providers: PublicIpProvider[]): Promise<PublicAddress> {
  const errors: string[] = [];
  for (const p of providers) {
    try {
      return { address: await p.lookup(), from: p.name, error: errors.length ? errors.join('; ') : null };
    } catch (e) {
      errors.push(`${p.name}: ${(e as Error).message}`);
    }
  }
  return { address: null, from: null, error: errors.length ? errors.join('; ') : 'no public-address service is configured (publicIp)' };
}
