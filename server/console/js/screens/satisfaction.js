// 回访 satisfaction by street for a period.
import { h, field, errorBox } from '../dom.js';
import { api, query } from '../api.js';
import { date, todayIso } from '../format.js';

export function render(main) {
  const from = h('input', { type: 'date', value: todayIso(-29) });
  const to = h('input', { type: 'date', value: todayIso() });
  const out = h('div', { 'aria-live': 'polite' });
  const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
  async function load() {
    try {
      const r = await api('GET', `/api/v1/hotline/satisfaction${query({ from: from.value, to: to.value })}`);
      const line = (name, f) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, String(f.completed)), h('td', {}, String(f.reached)),
        h('td', {}, String(f.unreachable)), h('td', {}, f.average === null ? '—' : f.average.toFixed(2)), h('td', {}, pct(f.satisfaction_rate)), h('td', {}, String(f.dissatisfied)));
      out.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('caption', {}, `${date(r.from)} 至 ${date(r.to)}`),
        h('thead', {}, h('tr', {}, ['街道/乡镇', '完成回访', '联系上', '未联系上', '平均分', '满意率', '不满意(已重办)'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, r.streets.map((s) => line(s.street.name, s))),
        h('tfoot', {}, line('合计', r.total)))));
    } catch (err) {
      out.replaceChildren(errorBox(err, load));
    }
  }
  from.addEventListener('change', load);
  to.addEventListener('change', load);
  main.append(h('h1', {}, '回访满意度'), h('div', { class: 'filters' }, field('开始日期', from), field('结束日期', to)), out);
  load();
  return () => {};
}
