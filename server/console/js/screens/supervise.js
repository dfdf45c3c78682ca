// The supervisor's morning: open cases of the subtree by street — at risk, past their limit,
// escalated — each figure a link to those cases.
import { h, errorBox } from '../dom.js';
import { api } from '../api.js';

export function render(main) {
  const table = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, '正在加载…'));
  const link = (code, sla, n) => (n ? h('a', { href: `#/cases?${new URLSearchParams({ ...(code ? { jurisdiction_code: code } : {}), ...(sla ? { sla } : {}) })}` }, String(n)) : '0');

  async function load() {
    try {
      const o = await api('GET', '/api/v1/staff/applications/overview');
      const rows = o.streets.map((s) => h('tr', {},
        h('th', { scope: 'row' }, s.street ? s.street.name : '未归属街道'),
        h('td', {}, link(s.street && s.street.code, '', s.open)),
        h('td', { class: s.at_risk ? 'warn' : '' }, link(s.street && s.street.code, 'at_risk', s.at_risk)),
        h('td', { class: s.breached ? 'bad' : '' }, link(s.street && s.street.code, 'breached', s.breached)),
        h('td', {}, String(s.escalated))));
      table.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('caption', {}, '办理中的案件(按街道)'),
        h('thead', {}, h('tr', {}, ['街道/乡镇', '办理中', '临近超时', '已超时', '已催办/督办'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, '辖区内没有办理中的案件。'))),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, '合计'), h('td', {}, String(o.total.open)), h('td', {}, String(o.total.at_risk)),
          h('td', {}, link('', 'breached', o.total.breached)), h('td', {}, String(o.total.escalated)))))));
    } catch (err) {
      table.replaceChildren(errorBox(err, load));
    }
  }
  main.append(h('h1', {}, '督办概览'), h('p', { class: 'muted' }, '点击数字查看对应案件。超时 5 个工作日的案件会督办到区。'), table);
  load();
  return () => {};
}
