// The working-day calendar of a year: public holidays and the weekend days worked in lieu
// (调休). Every other Monday–Friday is a working day. Time limits count on it.
import { h, field, errorBox, toast, showFieldErrors } from '../dom.js';
import { api } from '../api.js';
import { date } from '../format.js';

const KIND = { holiday: '放假', workday: '调休上班' };

export function render(main) {
  const thisYear = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
  const year = h('select', { id: 'c-year' }, [thisYear - 1, thisYear, thisYear + 1].map((y) => h('option', { value: y, selected: y === thisYear }, `${y} 年`)));
  const rows = h('tbody');
  const alert = h('div', { class: 'alert error', role: 'alert', hidden: true });
  let days = [];

  function draw() {
    days.sort((a, b) => a.date.localeCompare(b.date));
    rows.replaceChildren(...days.map((d, i) => h('tr', {},
      h('td', {}, date(d.date)), h('td', {}, KIND[d.kind] || d.kind), h('td', {}, d.name),
      h('td', {}, h('button', { type: 'button', class: 'link', 'aria-label': `删除 ${d.date}`, onclick: () => { days.splice(i, 1); draw(); } }, '删除')))));
    if (!days.length) rows.append(h('tr', {}, h('td', { colspan: 4, class: 'muted' }, '这一年还没有假日安排:除周末外都是工作日。')));
  }

  async function load() {
    alert.hidden = true;
    try {
      const r = await api('GET', `/api/v1/admin/calendar/${year.value}`);
      days = r.days;
      draw();
    } catch (err) {
      rows.replaceChildren(h('tr', {}, h('td', { colspan: 4 }, errorBox(err, load))));
    }
  }

  const d = h('input', { type: 'date' });
  const kind = h('select', {}, Object.entries(KIND).map(([k, l]) => h('option', { value: k }, l)));
  const name = h('input', { placeholder: '如 春节' });
  const add = h('form', { class: 'filters', novalidate: true },
    field('日期', d), field('类型', kind), field('名称', name), h('button', { type: 'submit', class: 'secondary' }, '加入'));
  add.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!d.value || !name.value.trim()) {
      toast('请填写日期和名称', { kind: 'error' });
      return;
    }
    days = days.filter((x) => x.date !== d.value);
    days.push({ date: d.value, kind: kind.value, name: name.value.trim() });
    draw();
    d.focus();
  });
  const save = h('button', { type: 'button', class: 'primary' }, '保存这一年的安排');
  save.addEventListener('click', async () => {
    try {
      const r = await api('PUT', `/api/v1/admin/calendar/${year.value}`, { days });
      days = r.days;
      draw();
      toast(`${year.value} 年的工作日历已保存`, { kind: 'success' });
    } catch (err) {
      const left = showFieldErrors(add, err.fields);
      alert.replaceChildren(h('p', {}, err.message), left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
      alert.hidden = false;
    }
  });
  year.addEventListener('change', load);
  main.append(h('h1', {}, '工作日历'),
    h('div', { class: 'filters' }, h('label', { for: 'c-year' }, '年份'), year),
    alert,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['日期', '类型', '名称', ''].map((t) => h('th', { scope: 'col' }, t)))), rows)),
    h('h2', {}, '添加或修改一天'), add, save);
  load();
  return () => {};
}
