// Sign-in: username and password; the reason the last session ended, when there is one.
import { h, clear, field } from '../dom.js';
import * as session from '../session.js';

export function loginScreen(root, { message, onLogin }) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { class: message ? 'alert info' : 'alert', role: 'alert', hidden: !message }, message || '');
  const submit = h('button', { type: 'submit', class: 'primary wide' }, '登录');
  const form = h('form', { class: 'login stack', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, '社会救助直通车 · 工作台'),
    h('p', { class: 'muted' }, '热线话务员、社区工作者、街道审批、区督办和管理员在此办理。'),
    status,
    field('用户名', user),
    field('密码', pass),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = '正在登录…';
    try {
      const me = await session.login(user.value.trim(), pass.value);
      onLogin(me);
    } catch (err) {
      status.className = 'alert error';
      status.textContent = err.message;
      status.hidden = false;
      pass.value = '';
      pass.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = '登录';
    }
  });
  clear(root, h('main', { id: 'main', class: 'login-page' }, form));
  user.focus();
}
