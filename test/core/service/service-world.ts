import type { TestContext } from 'node:test';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { PmsStandIn } from '../../stand-ins/pms.ts';
import { makeCert, plexDirectUpstream } from '../proxy/door-fixtures.ts';

/** What a service test starts around the service: a data folder, PMS (owned by `token`), its plex.direct TLS port, and two free door ports. */
export async function serviceWorld(t: TestContext, token: string) {
  const dir = await tmpDir(t);
  const pms = new PmsStandIn({ supportDir: join(dir, 'pms'), ownerToken: token });
  await pms.start();
  t.after(() => pms.stop());
  const plexTls = await plexDirectUpstream(t, makeCert(dir, 'plex-direct', ['*.plex.direct']));
  const [https, http] = [await freePort(), await freePort()];
  return { dir, pms, plexTls, https, http };
}
