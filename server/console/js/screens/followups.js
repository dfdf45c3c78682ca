// 回访: the follow-up calls due today and overdue, the number revealed only on purpose (the
// server logs each reveal with its reason), and the result recorded.
import { h, field, showFieldErrors, errorBox, ask, toast } from '../dom.js';
import { api, query } from '../api.js';
import { STATUSES, date, dateTime, statusBadge } from '../format.js';

const TABS = [['due', '今日待回访'], ['overdue', '已逾期'], ['done', '已完成']];

export function render(main, { query: q, replaceQuery }) {
  let tab = q.status || 'due';
  const list = h('div', { class: 'cards', 'aria-live': 'polite' });
  const tabs = h('div', { class: 'tabs', role: 'tablist' }, TABS.map(([k, l]) => h('button', {
    type: 'button', role: 'tab', 'aria-selected': String(k === tab), dataset: { tab: k },
    onclick: () => { tab = k; replaceQuery({ status: k }); draw(); load(); },
  }, l)));

  function draw() {
    for (const b of tabs.children) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  }

  async function load() {
    list.replaceChildren(h('p', { class: 'muted' }, '正在加载…'));
    try {
      const page = await api('GET', `/api/v1/hotline/follow-ups${query({ status: tab, limit: 100 })}`);
      list.replaceChildren(...(page.items.length ? page.items.map(card) : [h('p', { class: 'muted' }, '没有需要回访的案件。')]));
    } catch (err) {
      list.replaceChildren(errorBox(err, load));
    }
  }

  function card(f) {
    const a = f.application;
    const number = h('span', { class: 'masked' }, a.applicant_phone);
    const result = h('div');
    const open = f.status === 'due' || f.status === 'overdue';
    return h('article', { class: `card ${f.status}` },
      h('h2', {}, `${a.applicant_name} · ${a.assistance_type.name}`),
      h('p', { class: 'row wrap' }, h('a', { href: `#/cases/${a.id}` }, a.reference), statusBadge(a.status, a.status_label), h('span', {}, a.community.name)),
      h('p', {}, `回访原因:案件${STATUSES[f.trigger_status] || f.trigger_status} · 应于 ${dateTime(f.due_at)} 前回访 · 已尝试 ${f.attempts}/${f.max_attempts} 次`),
      f.status === 'done' ? h('p', {}, f.outcome === 'reached' ? `满意度 ${f.satisfaction} 分` : '多次未联系上', f.reopened ? ' · 已重新办理' : '', f.note ? ` · ${f.note}` : '') : null,
      h('p', { class: 'row wrap' }, '电话:', number,
        open ? h('button', { type: 'button', class: 'secondary small', onclick: () => reveal(f, number) }, '显示号码') : null,
        open ? h('button', { type: 'button', class: 'primary small', onclick: () => record(f, result) }, '记录回访结果') : null),
      result,
      f.completed_at ? h('p', { class: 'muted' }, `完成于 ${date(f.completed_at)}`) : null);
  }

  async function reveal(f, slot) {
    const reason = h('input', { name: 'reason', required: true, minlength: 2, maxlength: 200, value: '回访致电' });
    const got = await ask('显示回访号码', [h('p', {}, '号码的每次查看都会记录。'), field('查看原因', reason)], { submit: '显示' });
    if (!got) return;
    try {
      const c = await api('GET', `/api/v1/hotline/follow-ups/${f.id}/contact${query({ reason: got.reason })}`);
      slot.replaceChildren(h('a', { href: `tel:${c.phone}` }, c.phone));
      slot.classList.add('revealed');
    } catch (err) {
      toast(err.message, { kind: 'error' });
    }
  }

  function record(f, slot) {
    const reached = h('select', { id: `r-${f.id}` }, h('option', { value: 'yes' }, '已联系上'), h('option', { value: 'no' }, '未接通'));
    const score = h('select', { id: `s-${f.id}` }, h('option', { value: '' }, '请选择'),
      [5, 4, 3, 2, 1].map((n) => h('option', { value: n }, `${n} 分${{ 5: '(非常满意)', 4: '(满意)', 3: '(一般)', 2: '(不满意,将重新办理)', 1: '(非常不满意,将重新办理)' }[n]}`)));
    const note = h('textarea', { rows: 2, id: `n-${f.id}` });
    const alert = h('div', { class: 'alert error', role: 'alert', hidden: true });
    const scoreField = field('满意度', score, { name: 'satisfaction' });
    reached.addEventListener('change', () => { scoreField.hidden = reached.value !== 'yes'; });
    const form = h('form', { class: 'stack', novalidate: true }, alert,
      field('是否联系上', reached, { name: 'reached' }), scoreField, field('回访记录', note, { name: 'note' }),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, '保存结果'),
        h('button', { type: 'button', class: 'secondary', onclick: () => slot.replaceChildren() }, '取消')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { reached: reached.value === 'yes', note: note.value.trim() };
      if (body.reached) body.satisfaction = score.value === '' ? null : Number(score.value);
      try {
        const r = await api('POST', `/api/v1/hotline/follow-ups/${f.id}/result`, body);
        toast(r.follow_up.reopened ? '已记录,案件已重新办理' : '回访结果已记录', { kind: 'success' });
        load();
      } catch (err) {
        const left = showFieldErrors(form, err.fields);
        alert.replaceChildren(h('p', {}, err.message), left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
        alert.hidden = false;
      }
    });
    slot.replaceChildren(form);
    reached.focus();
  }

  main.append(h('h1', {}, '回访'), tabs, list);
  draw();
  load();
  return () => {};
}
