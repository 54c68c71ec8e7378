import type { IncomingMessage, ServerResponse } from 'node:http';

export type Refusal = { code: string; message: string };

/** What one listener lets in: on 127.0.0.1 the session token, on the local network a signed-in session. */
export interface UiGate {
  /** The Host values this listener answers to (lower case, `host:port`); the first is the address to open. */
  hosts(): string[];
  /** Where to open the dashboard instead, in a refusal: "the link printed by `portico serve`". */
  readonly where: string;
  /** Why this peer is not answered at all, or undefined to go on. */
  refusePeer(address: string | undefined): Refusal | undefined;
  /** A POST must carry our Origin: where the browser attaches the credential by itself (a cookie). */
  readonly originRequired: boolean;
  /** What the gate answers itself (sign-in page, sign-in, sign-out, the way to sign in): true when answered. */
  answer?(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  /** Whether this request may use the API: `valid` re-checks later (an event stream outliving a sign-out), or the answer to send. */
  admit(req: IncomingMessage): { ok: true; valid: () => boolean } | { ok: false; status: number; error: Refusal; headers?: Record<string, string> };
}

/** One listening socket and the gate in front of it. */
export interface UiListener { readonly host: string; readonly port: number; close(): Promise<void> }
