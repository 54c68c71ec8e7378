/**
 * Writes a settings plan to PMS and takes it back. Before any change the previous values are
 * saved (atomically, 0600) in the undo record, so undo restores exactly those; a write PMS only
 * half-took is rolled back. The record names the server, so undo never touches another one.
 */
import { readFile, unlink } from 'node:fs/promises';
import { DataDir } from '../support/data-dir.ts';
import type { PrefChange } from '../../shared/api.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { Clock } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import type { PmsClient, PmsSetting, PrefValue } from './pms-client.ts';
import { planRestore, planRollback, samePref, type SettingsPlan } from './plex-settings-plan.ts';


/** What undo needs: the values before Portico changed them, for one server. */
export interface UndoRecord {
  machineIdentifier: string;
  savedAt: string;
  previous: Record<string, PrefValue>;
  applied: Record<string, PrefValue>;
}

export interface PlexSettingsApplyOptions {
  dataDir: string;
  /** PMS's URL, for error messages. */
  pmsUrl: string;
  clock: Clock;
  logger: Logger;
}

export class PlexSettingsApply {
  private readonly o: PlexSettingsApplyOptions;

  constructor(o: PlexSettingsApplyOptions) {
    this.o = o;
  }

  /** Write the plan's changes (prefs = PMS's values the plan was made from). */
  async apply(pms: PmsClient, machineIdentifier: string, prefs: PmsSetting[], plan: SettingsPlan): Promise<Result<PrefChange[]>> {
    const { changes, desired } = plan;
    const before = new Map(prefs.map((s) => [s.id, s.value]));
    const oldRecord = await this.read();
    const keep = oldRecord?.machineIdentifier === machineIdentifier ? oldRecord : null;
    const record: UndoRecord = { machineIdentifier, savedAt: new Date(this.o.clock.now()).toISOString(), previous: {}, applied: {} };
    // Values saved by an earlier apply are the originals; only prefs new to this apply are saved now.
    for (const ch of changes) record.previous[ch.id] = before.get(ch.id)!;
    if (keep) Object.assign(record.previous, keep.previous);
    Object.assign(record.applied, keep?.applied ?? {}, desired);
    await this.write(record);

    const values: Record<string, PrefValue> = {};
    for (const ch of changes) values[ch.id] = desired[ch.id]!;
    const put = await pms.setPrefs(values);
    if (!put.ok) {
      const now = await pms.getPrefs();
      const back = now.ok ? planRollback(now.value, values, before) : {};
      if (Object.keys(back).length) await pms.setPrefs(back);
      if (keep) await this.write(keep); else await this.remove();
      this.o.logger.warn('applying Plex settings failed; nothing changed', { code: put.error.code });
      return err({ ...put.error, message: `${put.error.message} Portico changed nothing.` });
    }
    const read = await pms.getPrefs();
    if (!read.ok) return read;
    const wrong = changes.filter((ch) => !samePref(read.value.find((s) => s.id === ch.id)?.value ?? '', desired[ch.id]!));
    if (wrong.length) {
      return err({
        code: 'pms-prefs-not-saved',
        message: `Plex Media Server accepted the change but still reports old values for ${wrong.map((w) => w.id).join(', ')}.`,
        fix: 'Restart Plex Media Server and apply again; run "portico plex undo" to put the saved values back.',
      });
    }
    this.o.logger.info('applied Plex settings', { changed: changes.map((ch) => ch.id) });
    return ok(changes);
  }

  /** Put back the saved values (the record from read()) on the server they came from, and only those. */
  async undo(pms: PmsClient, machineIdentifier: string, record: UndoRecord): Promise<Result<PrefChange[]>> {
    if (machineIdentifier !== record.machineIdentifier) {
      return err({
        code: 'plex-undo-other-server',
        message: `The saved Plex settings belong to server ${record.machineIdentifier}, but ${this.o.pmsUrl} is server ${machineIdentifier}; Portico changed nothing.`,
        fix: `Point plex.url at the server Portico changed, or delete ${new DataDir(this.o.dataDir).plexUndo} if that server is gone.`,
      });
    }
    const prefs = await pms.getPrefs();
    if (!prefs.ok) return prefs;
    const plan = planRestore(prefs.value, record.previous, this.o.pmsUrl);
    if (!plan.ok) return plan;
    const put = await pms.setPrefs(plan.value.values);
    if (!put.ok) return put;
    await this.remove();
    this.o.logger.info('restored Plex settings', { restored: plan.value.changes.map((ch) => ch.id) });
    return ok(plan.value.changes);
  }

  async read(): Promise<UndoRecord | null> {
    try {
      const v = JSON.parse(await readFile(new DataDir(this.o.dataDir).plexUndo, 'utf8')) as UndoRecord;
      return v && typeof v.previous === 'object' ? v : null;
    } catch {
      return null;
    }
  }

  private async write(r: UndoRecord): Promise<void> {
    // 0600: the record may hold the previous custom-certificate passphrase.
    await writeFileAtomic(new DataDir(this.o.dataDir).plexUndo, JSON.stringify(r, null, 2) + '\n', 0o600);
  }

  private async remove(): Promise<void> {
    await unlink(new DataDir(this.o.dataDir).plexUndo).catch(() => {});
  }
}
