/** What the ui-link and ui-password tests share: a config on a free port, and a running service's dashboard. */
import type { TestContext } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadlessUi } from '../../main/core/ui/headless-ui.ts';
import { EventLog } from '../../main/core/state/event-log.ts';
import { silentLogger } from '../../main/core/support/logger.ts';
import { systemClock } from '../../main/core/support/clock.ts';
import { CHANNELS, type PorticoApiHandlers } from '../../main/shared/api.ts';
import { healthyStatus } from '../shared/app-status-fixture.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';

/** A config file for plex.example.com with the dashboard on a free port (plus `ui` settings). */
export async function configFile(t: TestContext, ui: object = {}) {
  const dir = await tmpDir(t);
  const port = await freePort();
  const file = join(dir, 'portico.json');
  const dataDir = join(dir, 'data');
  await writeFile(file, JSON.stringify({ domains: ['plex.example.com'], dataDir, ui: { port, ...ui } }));
  return { port, file, dataDir };
}

/** Channels that all answer ok (tests replace the ones they are about). */
export function okHandlers(): PorticoApiHandlers {
  return Object.fromEntries(CHANNELS.map((c) => [c, () => ({ ok: true, value: null })])) as unknown as PorticoApiHandlers;
}

/** The dashboard of a running service on `port`, with its data in `dataDir`; stopped after the test. */
export async function runningDashboard(t: TestContext, dataDir: string, port: number, handlers: PorticoApiHandlers): Promise<HeadlessUi> {
  const ui = await HeadlessUi.start({
    dataDir, port, staticDir: null, logger: silentLogger, handlers, events: new EventLog({ clock: systemClock }),
    service: { getStatus: () => healthyStatus(), onDidChangeStatus: () => () => {} },
  });
  t.after(() => ui.stop());
  return ui;
}
