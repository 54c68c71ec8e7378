/**
 * A tiny DOM builder: no framework, no innerHTML (so no markup injection and nothing a strict
 * CSP forbids), plus the few components every step shares.
 */
import type { AppError } from '../main/shared/result.ts';
import type { Check } from '../main/shared/api.ts';

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((ev: Event) => void);
export type Attrs = Record<string, AttrValue>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

export function replaceChildren(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/**
 * A button whose async handler disables it while running and reports through `aria-busy`, so
 * double clicks can't start two orders and screen readers hear that something is happening.
 */
export function button(label: string, attrs: Attrs & { testid: string }, onClick: () => unknown): HTMLButtonElement {
  const { testid, ...rest } = attrs;
  const b = h('button', { type: 'button', 'data-testid': testid, ...rest }, label);
  b.addEventListener('click', async () => {
    if (b.getAttribute('aria-busy') === 'true') return;
    const hadFocus = document.activeElement === b;
    b.setAttribute('aria-busy', 'true');
    b.disabled = true;
    try {
      await onClick();
    } finally {
      b.removeAttribute('aria-busy');
      if (b.isConnected) {
        b.disabled = false;
        // Disabling dropped keyboard focus to the page; give it back unless it went somewhere else.
        if (hadFocus && (document.activeElement === document.body || document.activeElement === null)) b.focus();
      }
    }
  });
  return b;
}

export type NoticeKind = 'ok' | 'info' | 'warning' | 'error';

/** A message that says what happened and, when something failed, what to do next. */
export function notice(kind: NoticeKind, title: string, detail?: string, fix?: string, testid?: string): HTMLElement {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': testid ?? null, 'data-kind': kind },
    h('p', { class: 'notice-title' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, ICON[kind]), ' ', title),
    detail ? h('p', { class: 'notice-detail' }, detail) : null,
    fix ? h('p', { class: 'notice-fix' }, h('strong', {}, 'What to do: '), fix) : null,
  );
}

export const ICON: Record<NoticeKind, string> = { ok: '✓', info: 'ℹ', warning: '!', error: '✕' };

export function errorNotice(e: AppError, testid?: string): HTMLElement {
  return notice('error', e.message, undefined, e.fix ?? 'Try again; if it keeps failing, export diagnostics from the dashboard.', testid);
}

/** Green/red checklist; every red item carries its fix. */
export function checklist(checks: Check[], testid: string): HTMLElement {
  return h('ul', { class: 'checklist', 'data-testid': testid },
    checks.map((c) => {
      const kind: NoticeKind = c.ok === true ? 'ok' : c.ok === false ? 'error' : 'info';
      const word = c.ok === true ? 'Passed' : c.ok === false ? 'Failed' : 'Not checked';
      return h('li', { class: `check check-${kind}`, 'data-testid': `check-${c.id}`, 'data-ok': String(c.ok) },
        h('span', { class: 'icon', 'aria-hidden': 'true' }, ICON[kind]),
        h('div', {},
          h('p', { class: 'check-title' }, h('span', { class: 'visually-hidden' }, `${word}: `), c.title),
          c.detail ? h('p', { class: 'check-detail' }, c.detail) : null,
          c.ok === false && c.fix ? h('p', { class: 'check-fix' }, h('strong', {}, 'Fix: '), c.fix) : null,
        ));
    }));
}

export type ProgressState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export interface ProgressItem { id: string; label: string; state: ProgressState; detail?: string }
const PROGRESS_WORD: Record<ProgressState, string> = { pending: 'Waiting', running: 'In progress', done: 'Done', failed: 'Failed', skipped: 'Skipped' };
const PROGRESS_ICON: Record<ProgressState, string> = { pending: '○', running: '…', done: '✓', failed: '✕', skipped: '–' };

export function progressList(items: ProgressItem[], testid: string): HTMLElement {
  return h('ol', { class: 'progress', 'data-testid': testid },
    items.map((i) => h('li', { class: `progress-item progress-${i.state}`, 'data-testid': `${testid}-${i.id}`, 'data-state': i.state },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, PROGRESS_ICON[i.state]),
      h('span', {}, h('span', { class: 'visually-hidden' }, `${PROGRESS_WORD[i.state]}: `), i.label, i.detail ? h('span', { class: 'progress-detail' }, ` — ${i.detail}`) : null))));
}

/** A labelled form field; the label is a real <label for>, hints are linked by aria-describedby. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  const hintId = hint ? `${input.id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

/**
 * A table with a caption (its accessible name) and header cells. Where its box is too narrow for
 * the columns (a phone, a narrow card) the stylesheet shows each row as a card of "header: value"
 * lines, from each cell's `data-label`. The explicit roles keep it a table for screen readers
 * then: some browsers drop table semantics from a table whose parts are given another display.
 */
export function table(caption: string, head: string[], rows: (string | Node)[][], testid: string): HTMLElement {
  return h('div', { class: 'table-wrap' },
    h('table', { 'data-testid': testid, role: 'table' },
      h('caption', {}, caption),
      h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, head.map((c) => h('th', { scope: 'col', role: 'columnheader' }, c)))),
      h('tbody', { role: 'rowgroup' }, rows.map((r) => h('tr', { role: 'row' }, r.map((c, i) => h('td', { role: 'cell', 'data-label': head[i] ?? '' }, c)))))));
}
