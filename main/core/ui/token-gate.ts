import { addressScope } from '../../shared/ip-address.ts';
import type { UiGate } from './ui-gate.ts';
import { UiToken } from './ui-token.ts';

export interface TokenGateOptions {
  /** The port the loopback listener got (known once it listens). */
  port: () => number;
  /** The token in force now (a rotation replaces it). */
  token: () => string;
  /** Where the token is kept, named on the locked-out answer. */
  tokenFile?: string;
}

/**
 * The gate of the dashboard on 127.0.0.1: loopback peers only, Host 127.0.0.1 or localhost at our
 * port, and every API call carries the session token as a Bearer header (a cross-site page
 * cannot attach one, so the Origin may be absent).
 */
export function tokenGate(o: TokenGateOptions): UiGate {
  return {
    hosts: () => [`127.0.0.1:${o.port()}`, `localhost:${o.port()}`],
    where: 'the link printed by `portico serve`',
    originRequired: false,
    refusePeer: (address) => (addressScope(address ?? '') === 'loopback' ? undefined : {
      code: 'not-loopback',
      message: 'The Portico dashboard only answers this computer (127.0.0.1). Open it on the machine that runs Portico.',
    }),
    admit(req) {
      const auth = req.headers.authorization;
      const presented = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
      const token = o.token();
      if (UiToken.matches(token, presented)) return { ok: true, valid: () => o.token() === token };
      return {
        ok: false,
        status: 401,
        error: {
          code: 'unauthorized',
          message: `This request has no valid session token. Get the dashboard link with \`portico ui-link\` on this computer (or read the token from ${o.tokenFile ?? 'the ui-token file in the data directory'}); the link stays the same across restarts until someone rotates it.`,
        },
        headers: { 'WWW-Authenticate': 'Bearer realm="portico"' },
      };
    },
  };
}
