// A work list: my queue for caseworkers, the review queue for approvers, the subtree's cases
// for supervisors. Status and time-limit badges, filters, search, and more on demand.
import { h, errorBox, debounce } from '../dom.js';
import { api, query } from '../api.js';
import { STATUSES, date, due, statusBadge, slaBadge } from '../format.js';

const DEFAULTS = {
  caseworker: {},
  approver: { status: 'submitted,accepted,review,public_notice,emergency_aid,reopened' },
  supervisor: { sla: 'breached' },
};

export function render(main, { me, query: q, replaceQuery, live }) {
  const f = { ...(DEFAULTS[me.role] || {}), ...q };
  const status = h('select', { id: 'f-status' }, h('option', { value: '' }, '全部状态'),
    DEFAULTS.approver.status === f.status && !Object.keys(STATUSES).includes(f.status)
      ? h('option', { value: DEFAULTS.approver.status }, '待审批的')
      : null,
    Object.entries(STATUSES).filter(([k]) => k !== 'draft').map(([k, l]) => h('option', { value: k }, l)));
  status.value = f.status || '';
  const sla = h('select', { id: 'f-sla' }, h('option', { value: '' }, '全部时限'),
    h('option', { value: 'on_track' }, '按时'), h('option', { value: 'at_risk' }, '临近超时'), h('option', { value: 'breached' }, '已超时'));
  sla.value = f.sla || '';
  const assignee = h('select', { id: 'f-assignee' }, h('option', { value: '' }, '全部承办人'),
    h('option', { value: 'me' }, '我承办的'), h('option', { value: 'none' }, '未分配'));
  assignee.value = f.assignee || '';
  const sort = h('select', { id: 'f-sort' }, h('option', { value: 'newest' }, '最新提交在前'), h('option', { value: 'deadline' }, '最先到期在前'));
  sort.value = f.sort || 'newest';
  const search = h('input', { id: 'f-q', type: 'search', placeholder: '案件编号、姓名、身份证号或手机号', value: f.q || '' });
  const rows = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, '加载更多');
  const info = h('p', { class: 'muted', 'aria-live': 'polite' });
  let cursor = null;

  function filters() {
    return {
      status: status.value, sla: sla.value, assignee: assignee.value, sort: sort.value,
      q: search.value.trim(), jurisdiction_code: f.jurisdiction_code,
    };
  }

  async function load(append) {
    const params = { ...filters(), cursor: append ? cursor : undefined, limit: 30 };
    if (!append) {
      replaceQuery(Object.fromEntries(Object.entries(filters()).filter(([k, v]) => v && !(k === 'sort' && v === 'newest'))));
      info.textContent = '正在加载…';
    }
    try {
      const page = await api('GET', `/api/v1/staff/applications${query(params)}`);
      if (!append) rows.replaceChildren();
      rows.append(...page.items.map(row));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      const n = rows.children.length;
      info.textContent = n ? `共显示 ${n} 件${cursor ? ',还有更多' : ''}` : '没有符合条件的案件。';
    } catch (err) {
      info.replaceChildren(errorBox(err, () => load(false)));
    }
  }

  function row(c) {
    return h('tr', { class: c.urgent ? 'urgent' : '' },
      h('td', {}, h('a', { href: `#/cases/${c.id}` }, c.reference), c.urgent ? h('span', { class: 'badge urgent' }, '紧急') : null),
      h('td', {}, c.applicant_name, h('div', { class: 'muted small' }, c.applicant_phone)),
      h('td', {}, c.assistance_type.name),
      h('td', {}, c.community.name),
      h('td', {}, statusBadge(c.status, c.status_label)),
      h('td', {}, slaBadge(c.sla_state, c.working_days_left), c.escalation_level >= 2 ? h('span', { class: 'badge escalated' }, c.escalation_level >= 3 ? '督办' : '催办') : null),
      h('td', {}, date(c.submitted_at || c.created_at)),
      h('td', {}, c.deadline_at ? due(c.deadline_at) : '—'));
  }

  const reload = () => load(false);
  for (const el of [status, sla, assignee, sort]) el.addEventListener('change', reload);
  search.addEventListener('input', debounce(reload, 350));
  more.addEventListener('click', () => load(true));

  const titles = { caseworker: '我的案件', approver: '案件审批', supervisor: '辖区案件' };
  main.append(
    h('h1', {}, titles[me.role] || '案件'),
    f.jurisdiction_code ? h('p', {}, `只看区划 ${f.jurisdiction_code} 内的案件 · `, h('a', { href: '#/cases' }, '看全部')) : '',
    h('div', { class: 'filters', role: 'search' },
      h('label', { for: 'f-q' }, '搜索'), search,
      h('label', { for: 'f-status' }, '状态'), status,
      h('label', { for: 'f-sla' }, '时限'), sla,
      h('label', { for: 'f-assignee' }, '承办'), assignee,
      h('label', { for: 'f-sort' }, '排序'), sort),
    info,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('caption', { class: 'sr-only' }, '案件列表'),
      h('thead', {}, h('tr', {}, ['案件编号', '申请人', '救助类型', '社区', '状态', '时限', '提交日期', '本环节期限'].map((t) => h('th', { scope: 'col' }, t)))),
      rows)),
    more);
  load(false);
  // A new case or a reminder changes the list: read it again.
  const off = live.subscribe((e) => { if (e.type === 'notification') load(false); });
  return off;
}
