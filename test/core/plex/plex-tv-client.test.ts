import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { freePort } from '../../helpers/free-port.ts';
import { PlexTvClient } from '../../../main/core/plex/plex-tv-client.ts';
import { PlexTvStandIn, type PlexTvStandInOptions } from '../../stand-ins/plextv.ts';
import { PIN_APPROVE_WITHIN } from '../../../main/shared/plex-words.ts';

const OWNER = { id: 1, username: 'owner', email: 'owner@example.com', token: 'owner-token-aaaaaaaa' };
const FRIEND = { id: 2, username: 'friend', email: 'friend@example.com', token: 'friend-token-bbbbbbbb' };

async function plexTv(t: { after: (fn: () => unknown) => void }, o: Partial<PlexTvStandInOptions> = {}) {
  const clock = new ManualClock();
  const s = new PlexTvStandIn({ clock, accounts: [OWNER, FRIEND], ...o });
  s.addServer({ name: 'Living Room', machineIdentifier: 'm'.repeat(40), ownerToken: OWNER.token, sharedTokens: [FRIEND.token], connections: () => [
    { protocol: 'https', address: 'plex.example.com', port: 443, uri: 'https://plex.example.com:443', local: false, relay: false },
  ] });
  await s.start();
  t.after(() => s.stop());
  const c = new PlexTvClient({ baseUrl: s.url, clientIdentifier: 'portico-test-cid', product: 'Portico', clock });
  return { s, c, clock };
}

test('strong PIN, auth URL, poll waiting -> linked; headers as plex.tv expects', async (t) => {
  const { s, c, clock } = await plexTv(t);
  const pin = await c.createPin();
  assert.ok(pin.ok);
  assert.equal(pin.value.code.length, 25);
  const req = s.requests[0]!;
  assert.equal(req.url, '/api/v2/pins?strong=true');
  assert.equal(req.headers.accept, 'application/json');
  assert.equal(req.headers['x-plex-client-identifier'], 'portico-test-cid');
  assert.equal(req.headers['x-plex-product'], 'Portico');

  // The wizard and the CLI tell the user how long the code lasts: the same as plex.tv's strong PIN (the wizard said 15 minutes).
  const minutes = (Date.parse(pin.value.expiresAt) - clock.now()) / 60_000;
  assert.equal(PIN_APPROVE_WITHIN, `within ${minutes} minutes`);

  const url = new URL(c.authUrl(pin.value));
  assert.equal(url.origin + url.pathname, 'https://app.plex.tv/auth');
  const q = new URLSearchParams(url.hash.slice(2));
  assert.equal(url.hash.slice(0, 2), '#?');
  assert.equal(q.get('clientID'), 'portico-test-cid');
  assert.equal(q.get('code'), pin.value.code);
  assert.equal(q.get('context[device][product]'), 'Portico');

  assert.deepEqual((await c.pollPin(pin.value.id)), { ok: true, value: { state: 'waiting' } });
  assert.ok(s.approve(pin.value.code, OWNER.token));
  assert.deepEqual((await c.pollPin(pin.value.id)), { ok: true, value: { state: 'linked', token: OWNER.token } });
});

for (const expiredPin of ['not-found', 'lapsed'] as const) {
  test(`PIN expiry is seen (U: plex.tv answers an expired PIN as ${expiredPin})`, async (t) => {
    const { s, c, clock } = await plexTv(t, { expiredPin });
    const pin = await c.createPin();
    assert.ok(pin.ok);
    await clock.advance(1799_000);
    assert.deepEqual(await c.pollPin(pin.value.id), { ok: true, value: { state: 'waiting' } });
    await clock.advance(2_000);
    assert.deepEqual(await c.pollPin(pin.value.id), { ok: true, value: { state: 'expired' } });
    assert.equal(s.approve(pin.value.code, OWNER.token), false, 'an expired PIN cannot be approved');
  });
}

test('user(): 200 valid, 401 expired', async (t) => {
  const { c } = await plexTv(t);
  const u = await c.user(OWNER.token);
  assert.ok(u.ok);
  assert.equal(u.value.username, 'owner');
  const bad = await c.user('expired-xxxxxxxx');
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'plex-token-rejected');
});

test('resources(): owner sees owned=true with the published custom URL; a shared user sees owned=false', async (t) => {
  const { c } = await plexTv(t);
  const mine = await c.resources(OWNER.token);
  assert.ok(mine.ok);
  assert.equal(mine.value[0]!.owned, true);
  assert.equal(mine.value[0]!.connections[0]!.uri, 'https://plex.example.com:443');
  const theirs = await c.resources(FRIEND.token);
  assert.ok(theirs.ok);
  assert.equal(theirs.value[0]!.owned, false);
});

test('the stand-in answers XML unless Accept is exactly application/json', async (t) => {
  const { s } = await plexTv(t);
  const r = await fetch(`${s.url}/api/v2/user`, { headers: { 'X-Plex-Token': OWNER.token, Accept: 'application/json, */*' } });
  assert.match(r.headers.get('content-type')!, /xml/);
  assert.match(await r.text(), /<user [^>]*username="owner"/);
});

test('plex.tv unreachable -> a clear message', async () => {
  const c = new PlexTvClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, clientIdentifier: 'x' });
  const r = await c.createPin();
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'plextv-unreachable');
  assert.match(r.error.message, /plex\.tv is not reachable/);
  assert.match(r.error.fix!, /internet connection/);
});
