/** The certificate as the service sees it: shown on the Certificate step and the dashboard. */
import type { CertificateStatus } from '../../main/shared/status/certificates.ts';
import { h } from '../dom.ts';
import { formatDate, relative } from '../format.ts';

const CERT_STATE: Record<CertificateStatus['state'], string> = {
  none: 'No certificate yet', placeholder: 'Temporary self-signed certificate', valid: 'Valid', renewing: 'Being issued…',
  expiring: 'Expiring soon', expired: 'Expired', failed: 'Failed',
};

export function certSummary(certs: CertificateStatus[], testid: string): HTMLElement {
  if (!certs.length) return h('p', { 'data-testid': testid }, 'No certificate yet.');
  const row = (k: string, v: string | Node | null | undefined) => (v ? [h('dt', {}, k), h('dd', {}, v)] : []);
  return h('div', { class: 'stack', 'data-testid': testid },
    certs.map((c) => h('dl', { class: 'facts' },
      row('For', c.domains.join(', ')),
      h('dt', {}, 'State'), h('dd', { 'data-state': c.state, 'data-testid': `${testid}-state` }, `${waitingForDns(c) ? 'Waiting for your domain to point here' : CERT_STATE[c.state]}${c.staging ? ' (test certificate)' : ''}`),
      row('Issued by', c.issuer),
      row('Issued', c.notBefore && formatDate(c.notBefore)),
      row('Expires', c.notAfter && `${formatDate(c.notAfter)} (${relative(c.notAfter)})`),
      row('Last renewal', c.obtainedAt && `${formatDate(c.obtainedAt)} (${relative(c.obtainedAt)})`),
      row(c.lastError ? 'Next try' : 'Next renewal', c.lastError?.retryable === false
        ? h('span', { class: 'error-text' }, 'Portico stopped retrying: fix the cause below, then choose "Renew certificate now".')
        : c.nextAttemptAt && formatDate(c.nextAttemptAt)),
      row('Renewal window', c.renewalWindow && `${formatDate(c.renewalWindow.start)} – ${formatDate(c.renewalWindow.end)} (${c.renewalWindow.source === 'ari' ? 'suggested by the certificate authority' : 'the last third of the certificate’s life'})`),
      row('Checked with', c.challenge),
      row(waitingForDns(c) ? 'Why not yet' : 'Last error', c.lastError && h('span', { class: 'error-text' }, `${c.lastError.message}${c.lastError.fix ? ` — ${c.lastError.fix}` : ''}`)))));
}

/** Not a failure of the CA: Portico has not asked yet because the name does not lead here (CertManager's beforeFirstOrder). */
function waitingForDns(c: CertificateStatus): boolean {
  return c.state === 'failed' && c.lastError?.code === 'dns-not-ready';
}
