// The operator's desk: a call entered in under a minute with the keyboard alone. The number
// brings up the caller's earlier calls and cases at once; what is typed is kept in this tab
// (sessionStorage) until saved, so a dropped network or a refused save loses nothing.
import { h, field, showFieldErrors, errorBox, debounce, toast } from '../dom.js';
import { api } from '../api.js';
import { CATEGORIES, date, dateTime, statusBadge } from '../format.js';
import { communityPicker } from './community-picker.js';

let catalogue = null;
async function types() {
  if (!catalogue) catalogue = (await api('GET', '/api/v1/assistance-types')).items.filter((t) => t.enabled !== false);
  return catalogue;
}

function draftKey(me) {
  return `ztc.call-draft.${me.id}`;
}

export function render(main, { me }) {
  const form = h('form', { class: 'call-form', novalidate: true, 'aria-labelledby': 'call-title' });
  const history = h('section', { class: 'panel history', 'aria-labelledby': 'history-title', 'aria-live': 'polite' },
    h('h2', { id: 'history-title' }, '来电人记录'), h('p', { class: 'muted' }, '输入来电号码后显示此前的来电和案件。'));
  const alert = h('div', { class: 'alert error', role: 'alert', hidden: true });
  const done = h('div', { hidden: true });

  const phone = h('input', { type: 'tel', inputmode: 'tel', autocomplete: 'off', required: true });
  const callerName = h('input', { type: 'text', autocomplete: 'off' });
  const category = h('select', { required: true },
    h('option', { value: '' }, '请选择'),
    Object.entries(CATEGORIES).map(([v, l]) => h('option', { value: v }, l)));
  const summary = h('textarea', { rows: 3, required: true, maxlength: 2000 });
  const urgent = h('input', { type: 'checkbox' });
  let community = null;
  const picker = communityPicker({ name: 'community_code', onChange: (hit) => { community = hit; save(); } });
  let linked = null;
  const linkBox = h('div', { class: 'linked', hidden: true });

  // The application made on the caller's behalf.
  const applyBox = h('input', { type: 'checkbox' });
  const kind = h('select', {}, h('option', { value: '' }, '请选择救助类型'));
  const aName = h('input', { type: 'text', autocomplete: 'off' });
  const aId = h('input', { type: 'text', autocomplete: 'off', maxlength: 18, inputmode: 'text' });
  const aPhone = h('input', { type: 'tel', autocomplete: 'off' });
  const address = h('input', { type: 'text', autocomplete: 'off' });
  const income = h('input', { type: 'number', min: 0, step: '0.01', inputmode: 'decimal' });
  const description = h('textarea', { rows: 3, maxlength: 2000 });
  const gName = h('input', { type: 'text', autocomplete: 'off' });
  const gId = h('input', { type: 'text', autocomplete: 'off', maxlength: 18 });
  const gRelation = h('input', { type: 'text', autocomplete: 'off' });
  const members = h('div', { class: 'members' });
  const addMember = h('button', { type: 'button', class: 'secondary small', id: 'add-member', dataset: { field: 'application.household' }, 'aria-describedby': 'add-member-err' }, '添加家庭成员');
  const appFields = h('fieldset', { class: 'apply', hidden: true },
    h('legend', {}, '代为申请'),
    h('div', { class: 'grid' },
      field('救助类型', kind, { name: 'application.assistance_type' }),
      field('申请人姓名', aName, { name: 'application.applicant.name' }),
      field('申请人身份证号', aId, { name: 'application.applicant.id_number', hint: '18 位,末位可为 X' }),
      field('申请人手机号', aPhone, { name: 'application.applicant.phone', hint: '默认与来电号码相同' }),
      field('住址', address, { name: 'application.address', wide: true }),
      field('家庭月收入(元)', income, { name: 'application.monthly_income_yuan' }),
      field('情况说明', description, { name: 'application.description', wide: true, hint: '默认同来电摘要' })),
    h('h3', {}, '家庭成员'), members, addMember, h('p', { class: 'field-error', id: 'add-member-err', hidden: true }),
    h('details', {}, h('summary', {}, '申请人未满 14 周岁:填写监护人'),
      h('div', { class: 'grid' },
        field('监护人姓名', gName, { name: 'application.guardian.name' }),
        field('监护人身份证号', gId, { name: 'application.guardian.id_number' }),
        field('与申请人关系', gRelation, { name: 'application.guardian.relation' }))));

  function memberRow(m = {}) {
    const i = members.children.length;
    const row = h('div', { class: 'member grid' },
      field('姓名', h('input', { type: 'text', value: m.name || '', class: 'm-name' }), { name: `application.household[${i}].name` }),
      field('关系', h('input', { type: 'text', value: m.relation || '', class: 'm-relation', placeholder: '如 配偶' }), { name: `application.household[${i}].relation` }),
      field('身份证号(可选)', h('input', { type: 'text', value: m.id_number || '', class: 'm-id', maxlength: 18 }), { name: `application.household[${i}].id_number` }),
      field('年龄(可选)', h('input', { type: 'number', min: 0, max: 150, value: m.age ?? '', class: 'm-age' }), { name: `application.household[${i}].age` }),
      h('button', { type: 'button', class: 'link remove', 'aria-label': `删除第 ${i + 1} 位家庭成员`, onclick: () => { row.remove(); renumber(); save(); } }, '删除'));
    members.append(row);
    return row;
  }
  function renumber() {
    [...members.children].forEach((row, i) => {
      const names = ['name', 'relation', 'id_number', 'age'];
      row.querySelectorAll('input').forEach((inp, j) => { inp.dataset.field = `application.household[${i}].${names[j]}`; });
    });
  }
  addMember.addEventListener('click', () => { memberRow().querySelector('input').focus(); save(); });

  const submit = h('button', { type: 'submit', class: 'primary' }, '保存来电');
  const reset = h('button', { type: 'button', class: 'secondary' }, '清空重填');
  form.append(
    h('h1', { id: 'call-title' }, '来电登记'),
    alert,
    h('div', { class: 'grid' },
      field('来电号码', phone, { name: 'caller_phone', hint: '手机或带区号的固话' }),
      field('来电人姓名(可选)', callerName, { name: 'caller_name' }),
      field('来电类别', category, { name: 'category' }),
      field('所在社区', picker.input, { name: 'community_code', hint: '输入名称的一部分,用 ↑↓ 选择,回车确定' }),
      field('来电摘要', summary, { name: 'summary', wide: true })),
    linkBox,
    h('div', { class: 'checks' },
      h('label', { class: 'check' }, urgent, ' 紧急(当日响应,可走先行救助)'),
      h('label', { class: 'check' }, applyBox, ' 代来电人提出救助申请')),
    appFields,
    h('div', { class: 'row' }, submit, reset, h('span', { class: 'muted' }, 'Ctrl+Enter 保存')));
  // The picker's list sits right after its input.
  picker.input.after(picker.list);
  picker.input.parentElement.classList.add('combo-host');

  // --- draft ---------------------------------------------------------------------------
  function values() {
    return {
      phone: phone.value, callerName: callerName.value, category: category.value, summary: summary.value,
      urgent: urgent.checked, community, linked, apply: applyBox.checked, kind: kind.value,
      aName: aName.value, aId: aId.value, aPhone: aPhone.value, address: address.value, income: income.value,
      description: description.value, gName: gName.value, gId: gId.value, gRelation: gRelation.value,
      members: [...members.children].map((r) => ({
        name: r.querySelector('.m-name').value, relation: r.querySelector('.m-relation').value,
        id_number: r.querySelector('.m-id').value, age: r.querySelector('.m-age').value,
      })),
    };
  }
  const save = debounce(() => sessionStorage.setItem(draftKey(me), JSON.stringify(values())), 150);
  function restore(d) {
    phone.value = d.phone || ''; callerName.value = d.callerName || ''; category.value = d.category || '';
    summary.value = d.summary || ''; urgent.checked = Boolean(d.urgent);
    if (d.community) picker.set(d.community);
    setLinked(d.linked || null);
    applyBox.checked = Boolean(d.apply); appFields.hidden = !applyBox.checked;
    kind.dataset.want = d.kind || ''; aName.value = d.aName || ''; aId.value = d.aId || '';
    aPhone.value = d.aPhone || ''; address.value = d.address || ''; income.value = d.income || '';
    description.value = d.description || ''; gName.value = d.gName || ''; gId.value = d.gId || ''; gRelation.value = d.gRelation || '';
    members.replaceChildren();
    for (const m of d.members || []) memberRow(m);
  }
  form.addEventListener('input', save);
  form.addEventListener('change', save);

  function setLinked(c) {
    linked = c;
    linkBox.hidden = !c;
    linkBox.replaceChildren();
    if (c) {
      linkBox.append(h('span', {}, `本次来电关联案件 ${c.reference}(${c.status_label})`),
        h('button', { type: 'button', class: 'link', onclick: () => { setLinked(null); save(); } }, '取消关联'));
    }
  }

  applyBox.addEventListener('change', () => {
    appFields.hidden = !applyBox.checked;
    if (applyBox.checked) {
      if (!aPhone.value) aPhone.value = phone.value;
      if (!aName.value) aName.value = callerName.value;
      if (!description.value) description.value = summary.value;
    }
  });

  // --- caller history ---------------------------------------------------------------
  const lookUp = debounce(async (number) => {
    try {
      const r = await api('GET', `/api/v1/hotline/callers/${encodeURIComponent(number)}`);
      if (phone.value.replace(/\D/g, '') !== number) return;
      showHistory(r);
    } catch (err) {
      history.replaceChildren(h('h2', { id: 'history-title' }, '来电人记录'),
        h('p', { class: 'muted' }, err.status === 422 ? '号码尚不完整。' : err.message));
    }
  }, 250);
  phone.addEventListener('input', () => {
    const digits = phone.value.replace(/\D/g, '');
    if (digits.length >= 7) lookUp(digits);
  });

  function showHistory(r) {
    const cases = r.applications.map((c) => h('li', {},
      h('div', { class: 'row wrap' },
        h('a', { href: `#/cases/${c.id}` }, c.reference), statusBadge(c.status, c.status_label),
        h('span', {}, `${c.applicant_name} · ${c.assistance_type.name} · ${c.community.name}`)),
      h('div', { class: 'row wrap' },
        h('span', { class: 'muted' }, `提交于 ${date(c.submitted_at || c.created_at)}${c.calls_about_it ? ` · 相关来电 ${c.calls_about_it} 次` : ''}`),
        h('button', { type: 'button', class: 'link', onclick: () => { setLinked(c); save(); summary.focus(); } }, '关联本次来电'))));
    const calls = r.calls.slice(0, 8).map((c) => h('li', {},
      h('span', {}, `${dateTime(c.started_at || c.created_at)} · ${c.category_label || '未登记'}`),
      c.summary ? h('span', { class: 'muted' }, ` ${c.summary}`) : null));
    history.replaceChildren(
      h('h2', { id: 'history-title' }, `来电人记录 ${r.phone}`),
      h('h3', {}, `案件(${r.applications.length})`),
      cases.length ? h('ul', { class: 'plain' }, cases) : h('p', { class: 'muted' }, '没有相关案件。'),
      h('h3', {}, `此前来电(${r.calls.length})`),
      calls.length ? h('ul', { class: 'plain' }, calls) : h('p', { class: 'muted' }, '第一次来电。'));
  }

  // --- submit -----------------------------------------------------------------------
  function body() {
    const b = {
      caller_phone: phone.value.trim(),
      caller_name: callerName.value.trim() || null,
      category: category.value,
      summary: summary.value.trim(),
      urgent: urgent.checked,
      community_code: picker.value() || null,
    };
    if (linked && !applyBox.checked) b.link_application_id = linked.id;
    if (applyBox.checked) {
      b.application = {
        assistance_type: kind.value,
        applicant: { name: aName.value.trim(), id_number: aId.value.trim(), phone: aPhone.value.trim() },
        address: address.value.trim(),
        household: [...members.children].map((r) => ({
          name: r.querySelector('.m-name').value.trim(),
          relation: r.querySelector('.m-relation').value.trim(),
          id_number: r.querySelector('.m-id').value.trim() || null,
          age: r.querySelector('.m-age').value === '' ? null : Number(r.querySelector('.m-age').value),
        })),
        monthly_income_yuan: income.value === '' ? null : Number(income.value),
        description: description.value.trim() || summary.value.trim(),
        urgent: urgent.checked,
      };
      if (gName.value.trim() || gId.value.trim()) {
        b.application.guardian = { name: gName.value.trim(), id_number: gId.value.trim(), relation: gRelation.value.trim() || '监护人', phone: null };
      }
    }
    return b;
  }

  let saving = false;
  async function send() {
    if (saving) return;
    const missing = {};
    if (!phone.value.trim()) missing.caller_phone = '请填写来电号码';
    if (!category.value) missing.category = '请选择来电类别';
    if (!summary.value.trim()) missing.summary = '请填写来电摘要';
    if (Object.keys(missing).length) {
      showFieldErrors(form, missing);
      return;
    }
    saving = true;
    submit.disabled = true;
    submit.textContent = '正在保存…';
    alert.hidden = true;
    try {
      const r = await api('POST', '/api/v1/hotline/calls', body());
      sessionStorage.removeItem(draftKey(me));
      showDone(r);
    } catch (err) {
      const left = showFieldErrors(form, err.fields);
      alert.replaceChildren(h('p', {}, err.status === 0 ? '网络连接中断,来电内容已保留,请稍后再点“保存来电”。' : err.message),
        left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
      alert.hidden = false;
      if (!Object.keys(err.fields || {}).length) alert.focus();
    } finally {
      saving = false;
      submit.disabled = false;
      submit.textContent = '保存来电';
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); send(); });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); }
  });
  alert.tabIndex = -1;

  function clearForm() {
    sessionStorage.removeItem(draftKey(me));
    restore({});
    history.replaceChildren(h('h2', { id: 'history-title' }, '来电人记录'), h('p', { class: 'muted' }, '输入来电号码后显示此前的来电和案件。'));
    showFieldErrors(form, {});
    alert.hidden = true;
    phone.focus();
  }
  reset.addEventListener('click', clearForm);

  function showDone(r) {
    const next = h('button', { type: 'button', class: 'primary' }, '登记下一个来电');
    const app = r.application;
    done.replaceChildren(h('div', { class: 'alert success', role: 'status' },
      h('h2', {}, '来电已保存'),
      app ? h('p', {}, '已代为提出申请,案件编号 ', h('strong', { class: 'ref' }, app.reference), `(${app.community.name}),社区将收到通知。`)
        : r.call.task ? h('p', {}, '求助已派给社区处理。') : h('p', {}, '来电已记录。'),
      h('div', { class: 'row' }, next, app ? h('a', { href: `#/cases/${app.id}`, class: 'button secondary' }, '查看案件') : null)));
    done.hidden = false;
    form.hidden = true;
    next.addEventListener('click', () => { done.hidden = true; form.hidden = false; clearForm(); });
    next.focus();
    toast(app ? `案件 ${app.reference} 已登记` : '来电已保存', { kind: 'success' });
  }

  main.append(h('div', { class: 'desk' }, h('div', {}, form, done), history));

  types().then((list) => {
    kind.append(...list.map((t) => h('option', { value: t.code }, t.name)));
    if (kind.dataset.want) kind.value = kind.dataset.want;
  }).catch((err) => alert.replaceChildren(errorBox(err)));

  const saved = sessionStorage.getItem(draftKey(me));
  if (saved) {
    try {
      restore(JSON.parse(saved));
      toast('已恢复尚未保存的来电登记', { kind: 'info' });
      const digits = phone.value.replace(/\D/g, '');
      if (digits.length >= 7) lookUp(digits);
    } catch {
      sessionStorage.removeItem(draftKey(me));
    }
  }
  phone.focus();
  return () => {};
}
