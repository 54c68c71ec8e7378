/**
 * The CA's problem documents (RFC 8555 section 6.7, RFC 7807) in plain words, with what to do
 * and whether trying again can help.
 */
export interface AcmeProblem { type: string; detail: string; status?: number; subproblems?: { type: string; detail: string; identifier?: { value: string } }[] }

export interface ExplainedProblem {
  code: string;
  message: string;
  fix: string;
  retryable: boolean;
}

const PREFIX = 'urn:ietf:params:acme:error:';

export function explainProblem(p: AcmeProblem, context: { challenge?: string; caName: string }): ExplainedProblem {
  const kind = p.type.startsWith(PREFIX) ? p.type.slice(PREFIX.length) : p.type;
  const detail = [p.detail, ...(p.subproblems ?? []).map((s) => `${s.identifier?.value ?? ''}: ${s.detail}`)].filter(Boolean).join('; ');
  const said = `${context.caName} said: "${detail}"`;
  const via = context.challenge ? ` using ${context.challenge}` : '';
  // Some CAs (pebble among them) report a validation that could not connect as `unauthorized`.
  const couldNotConnect = /\b(failed to connect|connection refused|timeout|timed out|no route to host|network is unreachable)\b/i.test(detail);
  switch (couldNotConnect && (kind === 'unauthorized' || kind === 'incorrectResponse') ? 'connection' : kind) {
    case 'rateLimited':
      return { code: 'acme-rate-limited', retryable: true, message: `The CA is rate-limiting this name (${said}).`, fix: 'Wait: Portico tries again after the time the CA asked for. Avoid forcing renewals meanwhile.' };
    case 'unauthorized':
    case 'incorrectResponse':
      return { code: 'acme-challenge-failed', retryable: true, message: `The CA could not confirm you control the name${via}: it reached something that gave the wrong answer (${said}).`, fix: 'Check the router forwards the public port to this computer and that DNS for the name points at your public address.' };
    case 'connection':
    case 'tls':
      return { code: 'acme-challenge-unreachable', retryable: true, message: `The CA could not connect to this computer${via} (${said}).`, fix: context.challenge === 'http-01' ? 'Forward public port 80 to the HTTP door, or use tls-alpn-01 (port 443) or dns-01 if your ISP blocks port 80.' : 'Forward public port 443 to the HTTPS door (check the router and firewall), or use dns-01.' };
    case 'dns':
      return { code: 'acme-dns-problem', retryable: true, message: `The CA could not look up the name in DNS (${said}).`, fix: 'Check that the domain exists and its DNS records (A/AAAA, or the _acme-challenge TXT for dns-01) are published.' };
    case 'caa':
      return { code: 'acme-caa-forbids', retryable: false, message: `A CAA record on the domain forbids this CA (${said}).`, fix: 'Add a CAA record allowing this CA, or remove the CAA records.' };
    case 'rejectedIdentifier':
      return { code: 'acme-name-rejected', retryable: false, message: `The CA will not issue for this name (${said}).`, fix: 'Use a name you own under a public suffix; CAs refuse IP addresses and internal names.' };
    case 'externalAccountRequired':
      return { code: 'acme-eab-required', retryable: false, message: `This CA requires External Account Binding (${said}).`, fix: 'Get an EAB key id and HMAC key from the CA (ZeroSSL: Developer section) and set acme.eab.' };
    case 'unauthorizedAccount':
    case 'accountDoesNotExist':
    case 'malformed':
    case 'badPublicKey':
    case 'badSignatureAlgorithm':
    case 'badCSR':
    case 'invalidContact':
    case 'unsupportedContact':
    case 'unsupportedIdentifier':
    case 'userActionRequired':
      return { code: `acme-${kind}`, retryable: false, message: `The CA refused the request (${said}).`, fix: kind === 'invalidContact' || kind === 'unsupportedContact' ? 'Fix acme.email.' : kind === 'userActionRequired' ? 'Open the CA\'s site and follow its instructions (for example new terms of service).' : 'Check acme.directoryUrl and acme.eab; if it persists, report it with this message.' };
    case 'serverInternal':
    case 'badNonce':
    case 'orderNotReady':
      return { code: 'acme-ca-busy', retryable: true, message: `The CA had a temporary problem (${said}).`, fix: 'Nothing to do; Portico tries again.' };
    default:
      return { code: 'acme-error', retryable: true, message: `The CA refused the request (${said}).`, fix: 'Portico tries again; if it keeps failing, check the message above.' };
  }
}
