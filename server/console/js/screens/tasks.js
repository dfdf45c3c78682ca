// 求助任务: help requests from the hotline without a case, open until someone in the
// community records what was done.
import { h, field, showFieldErrors, errorBox, toast } from '../dom.js';
import { api, query } from '../api.js';
import { dateTime } from '../format.js';

export function render(main, { me }) {
  let status = 'open';
  const list = h('div', { class: 'cards', 'aria-live': 'polite' });
  const canFinish = ['caseworker', 'approver', 'supervisor'].includes(me.role);
  const tabs = h('div', { class: 'tabs', role: 'tablist' }, [['open', '待处理'], ['done', '已办结']].map(([k, l]) => h('button', {
    type: 'button', role: 'tab', 'aria-selected': String(k === status), dataset: { tab: k },
    onclick: () => { status = k; for (const b of tabs.children) b.setAttribute('aria-selected', String(b.dataset.tab === k)); load(); },
  }, l)));

  async function load() {
    list.replaceChildren(h('p', { class: 'muted' }, '正在加载…'));
    try {
      const page = await api('GET', `/api/v1/hotline/tasks${query({ status, limit: 100 })}`);
      list.replaceChildren(...(page.items.length ? page.items.map(card) : [h('p', { class: 'muted' }, status === 'open' ? '没有待处理的求助。' : '还没有办结的求助。')]));
    } catch (err) {
      list.replaceChildren(errorBox(err, load));
    }
  }

  function card(c) {
    const slot = h('div');
    return h('article', { class: `card ${c.urgent ? 'urgent' : ''}` },
      h('h2', {}, `${c.caller_name || '来电人'} · ${c.community ? c.community.name : '未指定社区'}`, c.urgent ? h('span', { class: 'badge urgent' }, '紧急') : null),
      h('p', { class: 'pre' }, c.summary || ''),
      h('p', { class: 'muted' }, `来电 ${dateTime(c.started_at || c.created_at)} · 号码 ${c.caller_phone || '未显示'}${c.operator ? ` · 话务员 ${c.operator.name}` : ''}`),
      c.task && c.task.status === 'done' ? h('p', {}, `已办结:${c.task.note || ''}(${dateTime(c.task.done_at)})`) : null,
      canFinish && c.task && c.task.status === 'open' ? h('button', { type: 'button', class: 'primary small', onclick: () => finish(c, slot) }, '记录处理结果') : null,
      slot);
  }

  function finish(c, slot) {
    const note = h('textarea', { rows: 3 });
    const alert = h('div', { class: 'alert error', role: 'alert', hidden: true });
    const form = h('form', { class: 'stack', novalidate: true }, alert, field('做了什么(走访、转介、帮扶……)', note, { name: 'note' }),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, '办结'), h('button', { type: 'button', class: 'secondary', onclick: () => slot.replaceChildren() }, '取消')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('POST', `/api/v1/hotline/tasks/${c.id}/done`, { note: note.value.trim() });
        toast('求助已办结', { kind: 'success' });
        load();
      } catch (err) {
        const left = showFieldErrors(form, err.fields);
        alert.replaceChildren(h('p', {}, err.message), left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
        alert.hidden = false;
      }
    });
    slot.replaceChildren(form);
    note.focus();
  }

  main.append(h('h1', {}, '求助任务'), tabs, list);
  load();
  return () => {};
}
