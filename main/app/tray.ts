/** Renders the pure tray model (main/shared/tray-model.ts) into Electron's Tray and Menu. */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import type { AppStatus } from '../shared/status.ts';
import { trayIconFile, trayModel, type TrayItemId, type TrayModel } from '../shared/tray-model.ts';
import { updateMenuLabel, type UpdateState } from './update-policy.ts';

export class TrayController {
  private readonly tray: Tray;
  private readonly resourcesDir: string;
  private readonly onAction: (id: TrayItemId, model: TrayModel) => void;
  private readonly onInstallUpdate: () => void;
  private icon = '';

  constructor(opts: { resourcesDir: string; status: AppStatus; startAtLogin: boolean; onAction: (id: TrayItemId, model: TrayModel) => void; onInstallUpdate: () => void }) {
    this.resourcesDir = opts.resourcesDir;
    this.onAction = opts.onAction;
    this.onInstallUpdate = opts.onInstallUpdate;
    this.tray = new Tray(this.image(opts.status.health.state));
    this.update(opts.status, opts.startAtLogin, { kind: 'none' });
  }

  private image(state: AppStatus['health']['state']) {
    const img = nativeImage.createFromPath(join(this.resourcesDir, trayIconFile(state, process.platform)));
    if (process.platform === 'darwin') img.setTemplateImage(true);
    return img;
  }

  update(status: AppStatus, startAtLogin: boolean, update: UpdateState): void {
    const model = trayModel(status, { startAtLogin });
    if (model.icon !== this.icon) {
      this.tray.setImage(this.image(model.icon));
      this.icon = model.icon;
    }
    this.tray.setToolTip(model.tooltip);
    const items: MenuItemConstructorOptions[] = model.menu.map((m) => {
      if (m.kind === 'separator') return { type: 'separator' };
      const click = () => this.onAction(m.id, model);
      return m.kind === 'checkbox'
        ? { type: 'checkbox', id: m.id, label: m.label, enabled: m.enabled, checked: m.checked, click }
        : { type: 'normal', id: m.id, label: m.label, enabled: m.enabled, click };
    });
    // The update line goes right under the status line, where it is seen.
    const updateLabel = updateMenuLabel(update);
    if (updateLabel) items.splice(1, 0, { type: 'normal', id: 'install-update', label: updateLabel, click: this.onInstallUpdate });
    this.tray.setContextMenu(Menu.buildFromTemplate(items));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
