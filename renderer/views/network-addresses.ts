/**
 * The three addresses a person needs to set things up by hand, as the service measured them: this
 * computer's LAN address and the gateway (from the OS routing table, in every router mode), and
 * the public address (for the domain's A record). Each with a Copy button; an unknown one says
 * why instead of showing a placeholder.
 */
import type { RouterStatus } from '../../main/shared/status/router.ts';
import { h } from '../dom.ts';
import { copyButton } from './copy-button.ts';

export function networkAddresses(r: RouterStatus, testid: string): HTMLElement {
  const row = (label: string, value: string | undefined, what: string, id: string, unknown: string) => [
    h('dt', {}, label),
    value
      ? h('dd', { class: 'copyable' }, h('code', { 'data-testid': `${testid}-${id}` }, value), copyButton(value, what, `${testid}-copy-${id}`))
      : h('dd', { 'data-testid': `${testid}-${id}`, 'data-unknown': 'true' }, unknown),
  ];
  return h('dl', { class: 'facts', 'data-testid': testid },
    row('This computer (forward to)', r.lanAddress, 'this computer’s LAN address', 'lan',
      r.gateway ? 'Not found yet.' : 'Not found: this computer has no route to a router.'),
    row('Your router (gateway)', r.gateway, 'the router’s address', 'gateway',
      'Not found: the routing table has no default gateway. Check the network connection.'),
    row('Public address (for the A record)', r.publicAddress, 'your public address', 'public',
      r.publicAddressError
        ? `Not known: ${r.publicAddressError}. Until it is, Portico cannot check that your domain points to this network, and dynamic DNS writes nothing.`
        : 'Not looked up yet.'));
}
