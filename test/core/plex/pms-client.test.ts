import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import WebSocket from 'ws';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { PmsClient } from '../../../main/core/plex/pms-client.ts';
import { PmsStandIn, FORBIDDEN_BODY, MEDIA_PATH, UNAUTHORIZED_BODY, type PmsStandInOptions } from '../../stand-ins/pms.ts';

const OWNER = 'owner-token-aaaaaaaa';
const OTHER = 'friend-token-bbbbbbbb';

async function pms(t: { after: (fn: () => unknown) => void }, o: Partial<PmsStandInOptions> = {}): Promise<PmsStandIn> {
  const s = new PmsStandIn({ supportDir: await tmpDir(t), ownerToken: OWNER, otherTokens: [OTHER], ...o });
  await s.start();
  t.after(() => s.stop());
  return s;
}

test('identity needs no token and gives machine identifier and version', async (t) => {
  const s = await pms(t);
  const r = await new PmsClient(s.url, null).identity();
  assert.ok(r.ok);
  assert.equal(r.value.machineIdentifier, s.opts.machineIdentifier);
  assert.equal(r.value.version, s.opts.version);
  assert.equal(r.value.claimed, true);
});

test('prefs: XML by default, JSON only for exactly Accept: application/json, same typed values', async (t) => {
  const s = await pms(t);
  const c = new PmsClient(s.url, OWNER);
  const xml = await c.getPrefs();
  const json = await c.getPrefs('json');
  assert.ok(xml.ok && json.ok);
  assert.deepEqual(xml.value, json.value);
  const relay = xml.value.find((x) => x.id === 'RelayEnabled')!;
  assert.equal(relay.type, 'bool');
  assert.equal(relay.value, true);
  assert.equal(xml.value.find((x) => x.id === 'ManualPortMappingPort')!.value, 32400);
  assert.equal(xml.value.find((x) => x.id === 'secureConnections')!.enumValues, '1:Preferred|0:Required');
  assert.ok(!xml.value.some((x) => x.id === 'PlexOnlineToken'), 'PMS never lists the token');

  const raw = async (accept: string) => (await fetch(`${s.url}/:/prefs`, { headers: { 'X-Plex-Token': OWNER, Accept: accept } }));
  const exact = await raw('application/json');
  assert.equal(exact.headers.get('content-type'), 'application/json');
  const near = await raw('application/json, text/plain');
  assert.equal(near.headers.get('content-type'), 'text/xml;charset=utf-8');
  assert.match(await near.text(), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<MediaContainer size="\d+">/);
});

test('U: bools rendered as true/false in XML are read the same as 1/0', async (t) => {
  const words = await pms(t, { xmlBools: 'words' });
  const body = await (await fetch(`${words.url}/:/prefs`, { headers: { 'X-Plex-Token': OWNER } })).text();
  assert.match(body, /id="RelayEnabled"[^>]* default="true" value="true"/);
  const r = await new PmsClient(words.url, OWNER).getPrefs();
  assert.ok(r.ok);
  assert.equal(r.value.find((x) => x.id === 'RelayEnabled')!.value, true);
  assert.equal(r.value.find((x) => x.id === 'ManualPortMappingMode')!.value, false);
});

test('U: XML answered as application/xml instead of text/xml is read the same', async (t) => {
  const s = await pms(t, { xmlContentType: 'application/xml' });
  const r = await fetch(`${s.url}/identity`);
  assert.equal(r.headers.get('content-type'), 'application/xml');
  const c = new PmsClient(s.url, OWNER);
  assert.ok((await c.identity()).ok);
  const prefs = await c.getPrefs();
  assert.ok(prefs.ok && prefs.value.length > 10);
});

test('allowedNetworks: clients in a listed network need no token', async (t) => {
  const s = await pms(t);
  assert.equal((await fetch(`${s.url}/:/prefs`)).status, 401);
  assert.ok((await new PmsClient(s.url, OWNER).setPrefs({ allowedNetworks: '10.0.0.0/8,127.0.0.0/255.0.0.0' })).ok);
  assert.equal((await fetch(`${s.url}/:/prefs`)).status, 200);
  assert.ok((await new PmsClient(s.url, OWNER).setPrefs({ allowedNetworks: '192.168.1.0/24' })).ok);
  assert.equal((await fetch(`${s.url}/:/prefs`)).status, 401);
});

test('setPrefs: one PUT with several typed values; both bool spellings accepted; Preferences.xml holds only non-default values', async (t) => {
  const s = await pms(t);
  const before = await readFile(s.preferencesPath, 'utf8');
  const c = new PmsClient(s.url, OWNER);
  assert.ok((await c.setPrefs({ ManualPortMappingMode: true, ManualPortMappingPort: 443, customConnections: 'https://a.example:443', RelayEnabled: false })).ok);
  assert.equal(s.prefPuts.length, 1);
  assert.equal(s.prefPuts[0], '?ManualPortMappingMode=1&ManualPortMappingPort=443&customConnections=https%3A%2F%2Fa.example%3A443&RelayEnabled=0');
  const file = await readFile(s.preferencesPath, 'utf8');
  assert.match(file, / ManualPortMappingMode="1" ManualPortMappingPort="443" customConnections="https:\/\/a.example:443" RelayEnabled="0"\/>\n$/);
  const back = await c.getPrefs('json');
  assert.ok(back.ok);
  assert.equal(back.value.find((x) => x.id === 'ManualPortMappingPort')!.value, 443);
  // "true"/"false" spelling on the wire, and back to defaults: the attributes leave the file
  const r = await fetch(`${s.url}/:/prefs?ManualPortMappingMode=false&ManualPortMappingPort=32400&customConnections=&RelayEnabled=true`, { method: 'PUT', headers: { 'X-Plex-Token': OWNER } });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '');
  assert.equal(await readFile(s.preferencesPath, 'utf8'), before);
});

for (const mode of ['apply-nothing', 'apply-known'] as const) {
  test(`unknown pref -> 400 and a message naming what was sent (U: server ${mode})`, async (t) => {
    const s = await pms(t, { unknownPref: mode });
    const c = new PmsClient(s.url, OWNER);
    const r = await c.setPrefs({ ManualPortMappingMode: true, NoSuchPref: 'x' });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'pms-unknown-pref');
    assert.match(r.error.message, /NoSuchPref/);
    assert.match(r.error.message, /doesn't exist/);
    assert.equal(s.pref('ManualPortMappingMode'), mode === 'apply-nothing' ? '0' : '1');
  });
}

test('401 without token: exact body and headers; client says token expired, never shows it', async (t) => {
  const s = await pms(t);
  const r = await fetch(`${s.url}/:/prefs`);
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('content-type'), 'text/html');
  assert.equal(r.headers.get('x-plex-protocol'), '1.0');
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  const body = await r.text();
  assert.equal(body, UNAUTHORIZED_BODY);
  assert.equal(Buffer.byteLength(body), 91);
  const bad = await new PmsClient(s.url, 'expired-token-zzzz').getPrefs();
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'plex-token-rejected');
  assert.doesNotMatch(JSON.stringify(bad.error), /expired-token-zzzz/);
  const none = await new PmsClient(s.url, null).getPrefs();
  assert.ok(!none.ok);
  assert.equal(none.error.code, 'plex-token-missing');
});

test('U: 401 as a JSON errors document for Accept: application/json is still "token rejected"', async (t) => {
  const s = await pms(t, { jsonErrors: true });
  const r = await fetch(`${s.url}/:/prefs`, { headers: { Accept: 'application/json' } });
  assert.deepEqual(await r.json(), { errors: [{ code: 1001, message: 'User could not be authenticated', status: 401 }] });
  const c = await new PmsClient(s.url, 'nope-nope-nope').getPrefs('json');
  assert.ok(!c.ok);
  assert.equal(c.error.code, 'plex-token-rejected');
});

test("a non-owner's token: 403 with the exact body -> not-owner message", async (t) => {
  const s = await pms(t);
  const raw = await fetch(`${s.url}/:/prefs`, { headers: { 'X-Plex-Token': OTHER } });
  assert.equal(raw.status, 403);
  assert.equal(await raw.text(), FORBIDDEN_BODY);
  const r = await new PmsClient(s.url, OTHER).setPrefs({ RelayEnabled: false });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'plex-not-owner');
  assert.equal(s.pref('RelayEnabled'), '1');
});

test('PMS not running: "Plex Media Server is not answering at <url>; start it"', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const r = await new PmsClient(url, OWNER).identity();
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'pms-not-running');
  assert.equal(r.error.message, `Plex Media Server is not answering at ${url} (connection refused).`);
  assert.match(r.error.fix!, /^Start Plex Media Server/);
});

test('/myplex/account is <MyPlex>; refreshReachability goes waiting -> mapped and a websocket reachability event arrives', async (t) => {
  const s = await pms(t, { reachabilityDelayMs: 30 });
  const c = new PmsClient(s.url, OWNER);
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/:/websockets/notifications`, { headers: { 'X-Plex-Token': OWNER } });
  t.after(() => ws.terminate());
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const msg = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
  assert.ok((await c.refreshReachability()).ok);
  const a = await c.account();
  assert.ok(a.ok);
  assert.equal(a.value.mappingState, 'waiting');
  assert.deepEqual(JSON.parse(await msg), { NotificationContainer: { type: 'reachability', size: 1, ReachabilityNotification: [{ reachability: true }] } });
  const b = await c.account();
  assert.ok(b.ok);
  assert.equal(b.value.mappingState, 'mapped');
  assert.equal(b.value.signInState, 'ok');
});

test('websocket without a token is refused with 401', async (t) => {
  const s = await pms(t);
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/:/websockets/notifications`);
  const status = await new Promise<number>((r) => ws.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0)));
  assert.equal(status, 401);
});

test('media file: full, ranged (206 + Content-Range), suffix and unsatisfiable ranges', async (t) => {
  const s = await pms(t, { mediaSize: 1000 });
  const get = (range?: string) => new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request(`${s.url}${MEDIA_PATH}`, { headers: { 'X-Plex-Token': OWNER, ...(range ? { Range: range } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
  const full = await get();
  assert.equal(full.status, 200);
  assert.deepEqual(full.body, s.mediaBytes);
  const part = await get('bytes=100-199');
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], 'bytes 100-199/1000');
  assert.deepEqual(part.body, s.mediaBytes.subarray(100, 200));
  const suffix = await get('bytes=-10');
  assert.deepEqual(suffix.body, s.mediaBytes.subarray(990));
  assert.equal((await get('bytes=5000-')).status, 416);
});
