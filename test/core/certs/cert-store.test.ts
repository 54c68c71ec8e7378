import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { CertStore } from '../../../main/core/certs/cert-store.ts';
import { placeholderCert } from '../../../main/core/proxy/placeholder-cert.ts';

const HOST = 'store.example.test';
const meta = { domains: [HOST], issuedAt: '2026-01-01T00:00:00.000Z', directoryUrl: 'https://ca.invalid/dir' };

test('no files yet is not damage; a missing, edited or foreign file is, and previous/ is used', async (t) => {
  const dir = await tmpDir(t);
  const store = new CertStore(join(dir, 'data'), [HOST]);
  assert.deepEqual(await store.load(), { cert: null, damaged: null, problems: [] });

  const first = await placeholderCert(join(dir, 'a'), [HOST]);
  const second = await placeholderCert(join(dir, 'b'), [HOST]);
  await store.save(first, meta);
  await store.save(second, meta);
  const files = store.files;

  await unlink(files.key);
  let r = await store.load();
  assert.equal(r.damaged, 'key.pem missing');
  assert.equal(r.cert?.source, 'previous');
  assert.equal(r.cert?.cert, first.cert);

  await writeFile(files.key, second.key);
  await writeFile(files.meta, '{"domains": [');
  r = await store.load();
  assert.match(r.damaged!, /meta\.json is not valid JSON/);

  // A new set replaces the damaged one and previous/ is left as it was.
  const third = await placeholderCert(join(dir, 'c'), [HOST]);
  await store.save(third, meta);
  r = await store.load();
  assert.equal(r.damaged, null);
  assert.equal(r.cert?.cert, third.cert);
  await writeFile(files.cert, first.cert);
  await writeFile(files.meta, JSON.stringify({ ...meta, certSha256: createHash('sha256').update(first.cert).digest('hex'), keySha256: createHash('sha256').update(third.key).digest('hex') }));
  r = await store.load();
  assert.equal(r.damaged, 'key.pem does not belong to cert.pem');
  assert.equal(r.cert?.cert, first.cert, 'previous/ still holds the first set');
});
