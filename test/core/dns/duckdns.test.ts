import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDuckDns } from '../../stand-ins/duckdns.ts';
import { DuckDns } from '../../../main/core/dns/duckdns.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';

test('DuckDNS provider against the update-endpoint stand-in', async (t) => {
  const dd = await startDuckDns(['portico']);
  t.after(() => dd.stop());
  const p = new DuckDns({ kind: 'duckdns', token: dd.token, apiBase: dd.apiBase }, silentLogger);

  await t.test('sets and clears the TXT value for the subdomain', async () => {
    assert.equal((await p.addTxt('_acme-challenge.plex.portico.duckdns.org', 'abc')).ok, true);
    assert.equal(dd.domains.get('portico')!.txt, 'abc');
    const last = dd.requests.at(-1)!;
    assert.equal(last.searchParams.get('domains'), 'portico');
    assert.equal(last.searchParams.get('txt'), 'abc');
    assert.equal((await p.removeTxt('_acme-challenge.plex.portico.duckdns.org', 'abc')).ok, true);
    assert.equal(dd.domains.get('portico')!.txt, '');
    assert.equal(dd.requests.at(-1)!.searchParams.get('clear'), 'true');
  });

  await t.test('updates A and AAAA', async () => {
    assert.equal((await p.setAddresses('portico.duckdns.org', 'A', ['192.0.2.9'])).ok, true);
    assert.equal((await p.setAddresses('portico.duckdns.org', 'AAAA', ['2001:db8::9'])).ok, true);
    assert.deepEqual({ ...dd.domains.get('portico')!, txt: undefined }, { txt: undefined, ip: '192.0.2.9', ipv6: '2001:db8::9' });
  });

  await t.test('KO (bad token) is a non-retryable credentials error', async () => {
    const bad = new DuckDns({ kind: 'duckdns', token: 'not-the-token', apiBase: dd.apiBase }, silentLogger);
    const r = await bad.addTxt('_acme-challenge.portico.duckdns.org', 'x');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'dns-bad-credentials');
    assert.equal(r.error.retryable, false);
    assert.ok(!r.error.message.includes('not-the-token'));
  });

  await t.test('a name outside duckdns.org is refused before any request', async () => {
    const n = dd.requests.length;
    const r = await p.addTxt('_acme-challenge.example.com', 'x');
    assert.equal(r.ok, false);
    assert.equal(dd.requests.length, n);
  });

  await t.test('a malformed apiBase does not put the token in the error', async () => {
    const typo = new DuckDns({ kind: 'duckdns', token: dd.token, apiBase: 'www.duckdns.org' }, silentLogger);
    const r = await typo.addTxt('_acme-challenge.portico.duckdns.org', 'x');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.error.message, /at www\.duckdns\.org \(not an http\(s\) URL\)/, 'the error names the address and what is wrong with it');
    assert.ok(!JSON.stringify(r.error).includes(dd.token));
  });

  await t.test('a server that is down is retryable', async () => {
    const gone = new DuckDns({ kind: 'duckdns', token: dd.token, apiBase: 'http://127.0.0.1:1' }, silentLogger);
    const r = await gone.addTxt('_acme-challenge.portico.duckdns.org', 'x');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.retryable, true);
  });
});
