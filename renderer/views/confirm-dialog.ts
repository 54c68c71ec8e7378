/**
 * Ask before doing something that costs the user: a modal <dialog> in our own page (Electron
 * may not show window.confirm well). showModal() gives focus trapping, Escape to cancel and an
 * inert background; focus starts on the safe choice and returns to the opener afterwards.
 */
import { h } from '../dom.ts';

export interface ConfirmOptions {
  title: string;
  body: string[];
  confirm: string;
  cancel?: string;
  testid: string;
}

export function confirmDialog(o: ConfirmOptions): Promise<boolean> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = `${o.testid}-title`;
  const bodyId = `${o.testid}-body`;
  return new Promise((resolve) => {
    const close = (yes: boolean) => { dialog.close(yes ? 'yes' : 'no'); };
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': `${o.testid}-cancel`, onclick: () => close(false) }, o.cancel ?? 'Cancel');
    const dialog = h('dialog', { class: 'dialog', 'data-testid': o.testid, 'aria-labelledby': titleId, 'aria-describedby': bodyId },
      h('h2', { id: titleId }, o.title),
      h('div', { id: bodyId, class: 'stack' }, o.body.map((p) => h('p', {}, p))),
      h('div', { class: 'actions dialog-actions' },
        cancel,
        h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': `${o.testid}-confirm`, onclick: () => close(true) }, o.confirm)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      opener?.focus(); // a busy button() opener takes focus back itself once re-enabled
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
