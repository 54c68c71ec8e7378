import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwarding, type ForwardingInput } from '../../main/shared/forwarding.ts';

const rows = (i: Partial<ForwardingInput>) => forwarding({ publicHttpsPort: 443, httpsPorts: [8443], httpPort: 8080, mapPlexPort: false, ...i }).map((f) => `${f.externalPort}->${f.internalPort}`);

test('the defaults: WAN 443 to the HTTPS door, WAN 80 to the HTTP door', () => {
  assert.deepEqual(rows({}), ['443->8443', '80->8080']);
});

test('a public port other than 443 is what the router forwards (the mapper used to open 443 regardless)', () => {
  assert.deepEqual(rows({ publicHttpsPort: 4443 }), ['4443->8443', '80->8080']);
});

test('WAN 32400 goes to the second door only with router.mapPlexPort (the wizard used to list it regardless)', () => {
  assert.deepEqual(rows({ httpsPorts: [8443, 32443] }), ['443->8443', '80->8080']);
  assert.deepEqual(rows({ httpsPorts: [8443, 32443], mapPlexPort: true }), ['443->8443', '80->8080', '32400->32443']);
  assert.deepEqual(rows({ httpsPorts: [8443], mapPlexPort: true }), ['443->8443', '80->8080'], 'no second door, nothing to forward 32400 to');
  assert.deepEqual(rows({ publicHttpsPort: 32400, httpsPorts: [8443, 32443], mapPlexPort: true }), ['32400->8443', '80->8080'], 'one WAN port, one forward');
});

test('the HTTP door off: no WAN 80; no HTTPS door: nothing', () => {
  assert.deepEqual(rows({ httpPort: null }), ['443->8443']);
  assert.deepEqual(rows({ httpsPorts: [] }), []);
});

test('every forward is TCP and says what it is for', () => {
  for (const f of forwarding({ publicHttpsPort: 443, httpsPorts: [8443, 32443], httpPort: 8080, mapPlexPort: true })) {
    assert.equal(f.transport, 'TCP');
    assert.ok(f.name.length > 0);
  }
});
