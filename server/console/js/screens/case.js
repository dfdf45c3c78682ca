// One case: who applied and for what, its deadlines, the timeline, and exactly the actions
// the server says this user may take now, each with the fields it needs. Personal data stays
// masked until the user asks for it with a reason (logged by the server).
import { h, field, showFieldErrors, errorBox, ask, toast, clear } from '../dom.js';
import { api } from '../api.js';
import { ACTIONS, EVENT_LABELS, STATUSES, date, dateTime, due, money, statusBadge, slaBadge } from '../format.js';
import { communityPicker } from './community-picker.js';

export function render(main, { params, live }) {
  let current = null;
  const body = h('div', { class: 'case' }, h('p', { class: 'muted' }, '正在加载案件…'));
  main.append(h('p', {}, h('a', { href: '#/cases' }, '← 返回列表')), body);

  async function load() {
    try {
      current = await api('GET', `/api/v1/staff/applications/${params.id}`);
      draw(current);
    } catch (err) {
      clear(body, errorBox(err, load));
    }
  }

  function dl(pairs) {
    return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
  }

  function draw(c) {
    const piiSlot = h('div', { class: 'pii' });
    const applicant = h('section', { class: 'panel', 'aria-labelledby': 'h-applicant' },
      h('h2', { id: 'h-applicant' }, '申请人'),
      dl([
        ['姓名', c.applicant.name],
        ['身份证号', h('span', { class: 'masked', id: 'pii-id' }, c.applicant.id_number)],
        ['手机号', h('span', { class: 'masked', id: 'pii-phone' }, c.applicant.phone)],
        c.guardian ? ['监护人', `${c.guardian.name}(${c.guardian.relation})`] : null,
        ['住址', c.address || '—'],
        ['家庭月收入', money(c.monthly_income_yuan)],
      ]),
      h('button', { type: 'button', class: 'secondary small', id: 'reveal', onclick: reveal }, '查看完整信息'),
      piiSlot,
      c.household.length ? h('table', { class: 'list compact' },
        h('caption', {}, '家庭成员'),
        h('thead', {}, h('tr', {}, ['姓名', '关系', '身份证号', '年龄'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, c.household.map((m) => h('tr', {}, h('td', {}, m.name), h('td', {}, m.relation), h('td', {}, m.id_number || '—'), h('td', {}, m.age ?? '—'))))) : null,
      h('h3', {}, '情况说明'), h('p', { class: 'pre' }, c.description || '—'));

    const sla = c.sla;
    const deadlines = h('section', { class: 'panel', 'aria-labelledby': 'h-deadlines' },
      h('h2', { id: 'h-deadlines' }, '时限'),
      h('p', {}, slaBadge(sla.state, sla.working_days_left), sla.paused ? h('span', { class: 'badge muted' }, '计时暂停(等待申请人)') : null,
        sla.escalation_level >= 2 ? h('span', { class: 'badge escalated' }, sla.escalation_level >= 3 ? '已督办' : '已催办') : null),
      dl([
        ['本环节期限', due(sla.deadline_at)],
        ['预警时间', dateTime(sla.at_risk_at)],
        ['全案办结期限', due(sla.total_due_at)],
        sla.backfill_due_at ? ['先行救助补办期限', due(sla.backfill_due_at)] : null,
        c.public_notice_ends_at ? ['公示结束', due(c.public_notice_ends_at)] : null,
      ]));

    const timeline = h('section', { class: 'panel', 'aria-labelledby': 'h-timeline' },
      h('h2', { id: 'h-timeline' }, '办理记录'),
      h('ol', { class: 'timeline' }, [...c.timeline].reverse().map((e) => h('li', {},
        h('div', { class: 'when' }, dateTime(e.at)),
        h('div', {}, h('strong', {}, EVENT_LABELS[e.action] || e.action), ` · ${e.actor}`,
          e.to_status && e.from_status !== e.to_status ? h('span', { class: 'muted' }, ` → ${STATUSES[e.to_status] || e.to_status}`) : null),
        e.note ? h('p', { class: 'pre' }, e.note) : null,
        detailOf(e)))));

    const actions = h('section', { class: 'panel actions', 'aria-labelledby': 'h-actions' },
      h('h2', { id: 'h-actions' }, '办理'),
      c.allowed_actions.length
        ? h('div', { class: 'row wrap' }, c.allowed_actions.map((a, i) => h('button', {
          type: 'button', class: ACTIONS[a] && ACTIONS[a].danger ? 'danger' : i === 0 ? 'primary' : 'secondary', dataset: { action: a },
          onclick: () => openAction(a),
        }, (ACTIONS[a] && ACTIONS[a].label) || a)))
        : h('p', { class: 'muted' }, '当前没有您可以办理的操作。'),
      h('div', { id: 'action-form' }));

    clear(body,
      h('header', { class: 'case-head' },
        h('h1', {}, `${c.assistance_type.name} · `, h('span', { class: 'ref' }, c.reference)),
        h('p', { class: 'row wrap' }, statusBadge(c.status, c.status_label), c.urgent ? h('span', { class: 'badge urgent' }, '紧急') : null,
          h('span', {}, `${c.community.name}${c.street ? ` · ${c.street.name}` : ''}`),
          h('span', { class: 'muted' }, `承办人:${c.assignee ? c.assignee.name : '未分配'}`),
          h('span', { class: 'muted' }, `提交于 ${date(c.submitted_at)}`)),
        c.supplement_items ? h('div', { class: 'alert info' }, h('p', {}, '已一次性告知申请人补充:'), h('ul', {}, c.supplement_items.map((i) => h('li', {}, i)))) : null,
        c.approved_amount_yuan ? h('p', {}, `批准金额 ${money(c.approved_amount_yuan)}`) : null,
        c.emergency_amount_yuan ? h('p', {}, `先行救助 ${money(c.emergency_amount_yuan)}`) : null,
        c.rejection_reason ? h('p', {}, `不予批准理由:${c.rejection_reason}`) : null),
      h('div', { class: 'case-grid' }, h('div', {}, actions, applicant), h('div', {}, deadlines, timeline)));
  }

  function detailOf(e) {
    const d = e.data || {};
    const parts = [];
    if (Array.isArray(d.items)) parts.push(`补充材料:${d.items.join('、')}`);
    if (d.amount_yuan !== undefined) parts.push(`金额 ${money(d.amount_yuan)}`);
    if (d.reason && e.action !== 'reject') parts.push(`原因:${d.reason}`);
    if (d.reason && e.action === 'reject') parts.push(`理由:${d.reason}`);
    if (d.assignee) parts.push(`承办人:${d.assignee}`);
    if (d.ends_at) parts.push(`公示至 ${date(d.ends_at)}`);
    return parts.length ? h('p', { class: 'muted' }, parts.join(';')) : null;
  }

  async function reveal() {
    const reason = h('input', { name: 'reason', required: true, minlength: 2, maxlength: 200, placeholder: '如 入户核对身份' });
    const got = await ask('查看完整个人信息', [h('p', {}, '完整的身份证号和手机号只在需要时查看,查看记录(含原因)会留档。'), field('查看原因', reason)], { submit: '查看' });
    if (!got) return;
    try {
      const pii = await api('GET', `/api/v1/staff/applications/${params.id}/pii?reason=${encodeURIComponent(got.reason)}`);
      document.getElementById('pii-id').textContent = pii.applicant.id_number;
      document.getElementById('pii-phone').textContent = pii.applicant.phone;
      for (const el of document.querySelectorAll('.masked')) el.classList.add('revealed');
      toast('已显示完整信息,本次查看已记录', { kind: 'info' });
    } catch (err) {
      toast(err.message, { kind: 'error' });
    }
  }

  async function openAction(action) {
    const spec = ACTIONS[action] || { label: action };
    const slot = document.getElementById('action-form');
    const inputs = [];
    const form = h('form', { class: 'stack action-form', novalidate: true, 'aria-label': spec.label });
    const alert = h('div', { class: 'alert error', role: 'alert', hidden: true, tabindex: '-1' });
    form.append(h('h3', {}, spec.label), alert);
    const needs = spec.needs || [];
    let picker = null;
    for (const n of needs) {
      const key = n.replace('?', '');
      if (key === 'items') {
        const t = h('textarea', { rows: 4, id: 'a-items' });
        form.append(field('需要补充的材料(每行一项,一次列全)', t, { name: 'items' }));
        inputs.push(() => ({ items: t.value.split('\n').map((s) => s.trim()).filter(Boolean) }));
      } else if (key === 'note') {
        const t = h('textarea', { rows: 3, id: 'a-note' });
        const label = { submit_review: '调查和经济状况核对意见', reopen: '重新办理的原因', transfer: '转办原因', start_investigation: '说明(公示期间退回须写明异议)' }[action] || '说明';
        form.append(field(label, t, { name: 'note' }));
        inputs.push(() => ({ note: t.value.trim() || null }));
      } else if (key === 'reason') {
        const t = h('textarea', { rows: 3, id: 'a-reason' });
        form.append(field('不予批准的理由(将告知申请人)', t, { name: 'reason' }));
        inputs.push(() => ({ reason: t.value.trim() }));
      } else if (key === 'amount_yuan') {
        const t = h('input', { type: 'number', min: '0.01', step: '0.01', inputmode: 'decimal', id: 'a-amount' });
        const hint = action === 'emergency_approve' && current.emergency_cap_yuan !== null
          ? `本街道先行救助额度 ${money(current.emergency_cap_yuan)}` : undefined;
        form.append(field('金额(元)', t, { name: 'amount_yuan', hint }));
        inputs.push(() => ({ amount_yuan: t.value === '' ? null : Number(t.value) }));
      } else if (key === 'assignee_id') {
        const sel = h('select', { id: 'a-assignee' }, h('option', { value: '' }, '正在读取…'));
        form.append(field('承办的社区工作者', sel, { name: 'assignee_id' }));
        api('GET', `/api/v1/staff/applications/${params.id}/assignees`).then((r) => {
          sel.replaceChildren(h('option', { value: '' }, r.items.length ? '请选择' : '该社区还没有社区工作者账号'),
            ...r.items.map((s) => h('option', { value: s.id }, `${s.name}(${s.jurisdiction.name})`)));
        }).catch(() => sel.replaceChildren(h('option', { value: '' }, '无法读取')));
        inputs.push(() => (sel.value ? { assignee_id: sel.value } : {}));
      } else if (key === 'community_code') {
        picker = communityPicker({ name: 'community_code' });
        form.append(field('转到的社区', picker.input, { name: 'community_code' }));
        picker.input.after(picker.list);
        picker.input.parentElement.classList.add('combo-host');
        inputs.push(() => ({ community_code: picker.value() }));
      }
    }
    let publicNote = null;
    if (needs.some((n) => n.startsWith('note'))) {
      publicNote = h('input', { type: 'checkbox', id: 'a-public' });
      form.append(h('label', { class: 'check' }, publicNote, ' 说明对申请人可见'));
    }
    const go = h('button', { type: 'submit', class: spec.danger ? 'danger' : 'primary' }, `确认${spec.label}`);
    const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => slot.replaceChildren() }, '取消');
    form.append(h('div', { class: 'row' }, go, cancel));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const payload = { action, expected_version: current.version };
      for (const get of inputs) Object.assign(payload, get());
      if (publicNote) payload.note_public = publicNote.checked;
      go.disabled = true;
      try {
        current = await api('POST', `/api/v1/staff/applications/${params.id}/transitions`, payload);
        toast(`已${spec.label}`, { kind: 'success' });
        draw(current);
      } catch (err) {
        go.disabled = false;
        if (err.stale) {
          alert.replaceChildren(h('p', {}, `有人刚刚更改了这件案件(${err.message}),您看到的已不是最新情况。`),
            h('button', { type: 'button', class: 'secondary', onclick: load }, '刷新案件'));
          alert.hidden = false;
          alert.focus();
          return;
        }
        const left = showFieldErrors(form, err.fields);
        alert.replaceChildren(h('p', {}, err.message), left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
        alert.hidden = false;
        if (!Object.keys(err.fields).length) alert.focus();
      }
    });
    slot.replaceChildren(form);
    const first = form.querySelector('textarea, input, select');
    (first || go).focus();
  }

  load();
  // A notice about this case (a resident's supplement, a colleague's action) refreshes it.
  const off = live.subscribe((e) => {
    if (e.type === 'notification' && e.item.application_id === params.id && !document.querySelector('.action-form')) load();
  });
  return off;
}
