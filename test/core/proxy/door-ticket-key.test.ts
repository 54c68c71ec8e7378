// The session-ticket key in the data directory: a session resumes after the door restarts,
// the key file is private, and a key older than a day is replaced (its sessions do a full handshake).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Door } from '../../../main/core/proxy/door.ts';
import { TICKET_KEY_BYTES, TICKET_KEY_MAX_AGE_MS } from '../../../main/core/proxy/ticket-key.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { placeholderCert } from '../../../main/core/proxy/placeholder-cert.ts';
import { freePort } from '../../helpers/free-port.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { echoUpstream, port, tlsTo, type Pem } from './door-fixtures.ts';

const DOMAIN = 'plex.example.com';

async function startDoor(t: TestContext, pem: Pem, upstream: number, ticketKeyFile: string | undefined): Promise<{ door: Door; https: number }> {
  const https = await freePort();
  const door = new Door({
    bind: '127.0.0.1', httpsPorts: [https], httpPort: null, publicHttpsPort: 443,
    routes: [{ host: DOMAIN, upstream: `http://127.0.0.1:${upstream}` }],
    passthrough: { host: '127.0.0.1', port: 9 }, challenges: new ChallengeStore(), logger: silentLogger,
    ...(ticketKeyFile ? { ticketKeyFile } : {}),
  });
  // Installed before start, as the service does with its placeholders: start re-seals them with the stored key.
  door.setCertificate([DOMAIN], pem, 'real');
  await door.start();
  t.after(() => door.stop(0));
  return { door, https };
}

/** A TLS 1.3 session from one complete request (the ticket arrives after the handshake). */
async function sessionFrom(https: number): Promise<Buffer> {
  const s = await tlsTo(https, { servername: DOMAIN });
  const session = await new Promise<Buffer>((resolve) => { s.once('session', resolve); s.write(`GET / HTTP/1.1\r\nHost: ${DOMAIN}\r\nConnection: close\r\n\r\n`); });
  s.destroy();
  return session;
}

async function resumes(https: number, session: Buffer, opts: { maxVersion?: 'TLSv1.2' } = {}): Promise<boolean> {
  const s: TLSSocket = await tlsTo(https, { servername: DOMAIN, session, ...opts });
  const reused = s.isSessionReused();
  s.destroy();
  return reused;
}

async function world(t: TestContext) {
  const dir = await tmpDir(t);
  const pem = await placeholderCert(dir, [DOMAIN]);
  const up = port(await echoUpstream(t));
  return { dir, pem, up, keyFile: join(dir, 'ticket-key') };
}

test('a session resumes after the door restarts with the same data directory; the key file is 48 bytes, 0600', async (t) => {
  const w = await world(t);
  const a = await startDoor(t, w.pem, w.up, w.keyFile);
  const session = await sessionFrom(a.https);
  await a.door.stop(0);
  const key = await readFile(w.keyFile);
  assert.equal(key.length, TICKET_KEY_BYTES);
  assert.equal((await stat(w.keyFile)).mode & 0o777, 0o600);

  const b = await startDoor(t, w.pem, w.up, w.keyFile);
  assert.equal(await resumes(b.https, session), true, 'the restarted door opens the ticket it sealed before');
  assert.deepEqual(await readFile(w.keyFile), key, 'a key younger than a day is kept');
  // TLS 1.2 tickets are sealed with the same key.
  const s12 = await tlsTo(b.https, { servername: DOMAIN, maxVersion: 'TLSv1.2' });
  const session12 = s12.getSession()!;
  s12.destroy();
  await b.door.stop(0);
  const c = await startDoor(t, w.pem, w.up, w.keyFile);
  assert.equal(await resumes(c.https, session12, { maxVersion: 'TLSv1.2' }), true, 'TLS 1.2 too');

  // Without the file (another data directory, or none) the same session cannot resume: the test above can fail.
  const other = await startDoor(t, w.pem, w.up, join(w.dir, 'other-key'));
  assert.equal(await resumes(other.https, session), false);
  const memory = await startDoor(t, w.pem, w.up, undefined);
  assert.equal(await resumes(memory.https, session), false);
});

test('a key older than a day is replaced at start, and so is a file of the wrong size or a symbolic link', async (t) => {
  const w = await world(t);
  const a = await startDoor(t, w.pem, w.up, w.keyFile);
  const session = await sessionFrom(a.https);
  await a.door.stop(0);
  const old = await readFile(w.keyFile);
  const dayAgo = new Date(Date.now() - TICKET_KEY_MAX_AGE_MS - 60_000);
  await utimes(w.keyFile, dayAgo, dayAgo);

  const b = await startDoor(t, w.pem, w.up, w.keyFile);
  assert.notDeepEqual(await readFile(w.keyFile), old, 'a new key');
  assert.equal(await resumes(b.https, session), false, 'sessions sealed with the old key do one full handshake');
  await b.door.stop(0);

  await writeFile(w.keyFile, 'short');
  await startDoor(t, w.pem, w.up, w.keyFile).then((d) => d.door.stop(0));
  assert.equal((await readFile(w.keyFile)).length, TICKET_KEY_BYTES, 'a damaged file is replaced');

  // A link planted in the data directory is never read through: the key is written in its place.
  const target = join(w.dir, 'elsewhere');
  await writeFile(target, Buffer.alloc(TICKET_KEY_BYTES, 7));
  const link = join(w.dir, 'linked-key');
  await symlink(target, link);
  await startDoor(t, w.pem, w.up, link).then((d) => d.door.stop(0));
  assert.deepEqual(await readFile(target), Buffer.alloc(TICKET_KEY_BYTES, 7), 'the link target is untouched');
  assert.equal((await lstat(link)).isFile(), true, 'the link itself replaced by the key file');
  assert.notDeepEqual(await readFile(link), Buffer.alloc(TICKET_KEY_BYTES, 7));
});

test('a key that cannot be stored does not stop the door: it starts with an in-memory key', async (t) => {
  const w = await world(t);
  await writeFile(join(w.dir, 'not-a-dir'), '');
  const a = await startDoor(t, w.pem, w.up, join(w.dir, 'not-a-dir', 'ticket-key'));
  assert.equal(a.door.getStatus().state, 'running');
  const session = await sessionFrom(a.https);
  assert.equal(await resumes(a.https, session), true, 'resumption still works while it runs');
});
