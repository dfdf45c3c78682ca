// Staff accounts of the admin's subtree: add, change role, disable or enable, reset a password.
import { h, field, ask, errorBox, toast, showFieldErrors, debounce } from '../dom.js';
import { api, query } from '../api.js';
import { ROLES, date } from '../format.js';
import { communityPicker } from './community-picker.js';

export function render(main, { me }) {
  const rows = h('tbody');
  const search = h('input', { type: 'search', id: 's-q', placeholder: '用户名或姓名' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, '加载更多');
  let cursor = null;

  function roleSelect(value) {
    return h('select', {}, Object.entries(ROLES).map(([k, l]) => h('option', { value: k, selected: k === value }, l)));
  }

  function row(s) {
    const role = roleSelect(s.role);
    role.setAttribute('aria-label', `${s.username} 的角色`);
    const self = s.id === me.id;
    role.disabled = self;
    role.addEventListener('change', async () => {
      try {
        await api('PATCH', `/api/v1/admin/staff/${s.id}`, { role: role.value });
        toast(`${s.username} 的角色已改为${ROLES[role.value]}`, { kind: 'success' });
      } catch (err) {
        role.value = s.role;
        toast(err.message, { kind: 'error' });
      }
    });
    const toggle = h('button', { type: 'button', class: s.disabled ? 'secondary small' : 'danger small', disabled: self }, s.disabled ? '启用' : '停用');
    toggle.addEventListener('click', async () => {
      try {
        const r = await api('PATCH', `/api/v1/admin/staff/${s.id}`, { disabled: !s.disabled });
        toast(r.disabled ? `${s.username} 已停用,其登录已全部失效` : `${s.username} 已启用`, { kind: 'success' });
        reload();
      } catch (err) {
        toast(err.message, { kind: 'error' });
      }
    });
    const reset = h('button', { type: 'button', class: 'secondary small', disabled: self }, '重置密码');
    reset.addEventListener('click', async () => {
      const pw = h('input', { name: 'password', type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
      const got = await ask(`为 ${s.username} 设置新密码`, [h('p', {}, '设置后该账号的所有登录立即失效,请当面或电话告知新密码。'), field('新密码', pw, { hint: '至少 10 位,含字母和数字' })], { submit: '设置' });
      if (!got) return;
      try {
        await api('POST', `/api/v1/admin/staff/${s.id}/password`, { password: got.password });
        toast('新密码已设置', { kind: 'success' });
      } catch (err) {
        toast(Object.values(err.fields || {})[0] || err.message, { kind: 'error' });
      }
    });
    return h('tr', { class: s.disabled ? 'disabled' : '' },
      h('td', {}, s.username), h('td', {}, s.display_name || '—'), h('td', {}, role),
      h('td', {}, s.jurisdiction.name), h('td', {}, s.disabled ? '已停用' : '正常'),
      h('td', {}, s.last_login_at ? date(s.last_login_at) : '从未登录'),
      h('td', {}, h('div', { class: 'row' }, toggle, reset)));
  }

  async function load(append) {
    try {
      const page = await api('GET', `/api/v1/admin/staff${query({ q: search.value.trim(), cursor: append ? cursor : undefined, limit: 50 })}`);
      if (!append) rows.replaceChildren();
      rows.append(...page.items.map(row));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      rows.replaceChildren(h('tr', {}, h('td', { colspan: 7 }, errorBox(err, reload))));
    }
  }
  const reload = () => load(false);
  search.addEventListener('input', debounce(reload, 300));
  more.addEventListener('click', () => load(true));

  // Adding an account.
  const username = h('input', { autocomplete: 'off' });
  const display = h('input', { autocomplete: 'off' });
  const password = h('input', { type: 'password', autocomplete: 'new-password' });
  const role = roleSelect('caseworker');
  const where = communityPicker({ name: 'jurisdiction_code', level: '', placeholder: '输入区划名称' });
  const alert = h('div', { class: 'alert error', role: 'alert', hidden: true });
  const form = h('form', { class: 'panel stack', novalidate: true, 'aria-labelledby': 'add-staff' },
    h('h2', { id: 'add-staff' }, '添加工作人员'), alert,
    h('div', { class: 'grid' },
      field('用户名', username, { name: 'username', hint: '3–32 位小写字母、数字或 . _ -' }),
      field('姓名', display, { name: 'display_name' }),
      field('初始密码', password, { name: 'password', hint: '至少 10 位,含字母和数字' }),
      field('角色', role, { name: 'role' }),
      field('所在区划', where.input, { name: 'jurisdiction_code', hint: '社区工作者选社区,审批选街道,督办选区' })),
    h('button', { type: 'submit', class: 'primary' }, '添加'));
  where.input.after(where.list);
  where.input.parentElement.classList.add('combo-host');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/v1/admin/staff', {
        username: username.value.trim(), password: password.value, role: role.value,
        jurisdiction_code: where.value(), display_name: display.value.trim() || null,
      });
      toast(`已添加 ${username.value.trim()}`, { kind: 'success' });
      form.reset();
      where.set(null);
      showFieldErrors(form, {});
      alert.hidden = true;
      reload();
    } catch (err) {
      const left = showFieldErrors(form, err.fields);
      alert.replaceChildren(h('p', {}, err.message), left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
      alert.hidden = false;
    }
  });

  main.append(h('h1', {}, '工作人员'),
    h('div', { class: 'filters' }, h('label', { for: 's-q' }, '搜索'), search),
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['用户名', '姓名', '角色', '区划', '状态', '最近登录', '操作'].map((t) => h('th', { scope: 'col' }, t)))), rows)),
    more, form);
  reload();
  return () => {};
}
