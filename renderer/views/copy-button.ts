/**
 * "Copy" next to a value the user pastes elsewhere (router page, DNS provider, a message).
 * navigator.clipboard needs a secure context, which a dashboard opened over the LAN is not, so
 * a selected hidden textarea with execCommand('copy') is the fallback; if both fail, the value
 * is selected on screen and the button says to press Ctrl+C.
 */
import { h } from '../dom.ts';

const FEEDBACK_MS = 2000;

export function copyButton(value: string, what: string, testid: string): HTMLButtonElement {
  const label = 'Copy';
  const b = h('button', { type: 'button', class: 'btn btn-small btn-secondary copy', 'data-testid': testid, 'aria-label': `Copy ${what}` }, label);
  let timer: number | undefined;
  b.addEventListener('click', async () => {
    const copied = await copy(value);
    b.textContent = copied ? 'Copied' : 'Press Ctrl+C';
    b.setAttribute('aria-label', copied ? `Copied ${what}` : `Could not copy ${what}; it is selected, press Ctrl+C`);
    if (!copied) selectNear(b, value);
    window.clearTimeout(timer);
    timer = window.setTimeout(() => { b.textContent = label; b.setAttribute('aria-label', `Copy ${what}`); }, FEEDBACK_MS);
  });
  return b;
}

async function copy(value: string): Promise<boolean> {
  try {
    if (navigator.clipboard) { await navigator.clipboard.writeText(value); return true; }
  } catch {
    // Denied or not focused: try the old way below.
  }
  const ta = h('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
  ta.value = value;
  document.body.append(ta);
  ta.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    ta.remove();
  }
}

/** Select the copied value's text on screen (the element just before the button), for Ctrl+C. */
function selectNear(b: HTMLElement, value: string): void {
  const el = b.previousElementSibling;
  if (!el || el.textContent !== value) return;
  const range = document.createRange();
  range.selectNodeContents(el);
  window.getSelection()?.removeAllRanges();
  window.getSelection()?.addRange(range);
}
