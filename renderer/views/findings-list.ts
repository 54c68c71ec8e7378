/** Reachability findings (router step, dashboard): each with its severity and, if any, its fix. */
import type { Finding } from '../../main/shared/status/router.ts';
import { h, ICON, type NoticeKind } from '../dom.ts';

const SEVERITY: Record<Finding['severity'], NoticeKind> = { ok: 'ok', info: 'info', warning: 'warning', error: 'error' };

export function findingsList(findings: Finding[], testid: string): HTMLElement {
  if (!findings.length) return h('p', { 'data-testid': testid }, 'Nothing to report.');
  return h('ul', { class: 'checklist', 'data-testid': testid },
    findings.map((f) => h('li', { class: `check check-${SEVERITY[f.severity]}`, 'data-testid': `finding-${f.id}`, 'data-severity': f.severity },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, ICON[SEVERITY[f.severity]]),
      h('div', {},
        h('p', { class: 'check-title' }, h('span', { class: 'visually-hidden' }, `${f.severity}: `), f.title),
        f.detail ? h('p', { class: 'check-detail' }, f.detail) : null,
        f.fix ? h('p', { class: 'check-fix' }, h('strong', {}, 'Fix: '), f.fix) : null))));
}
