// QR entry points (扫码直通车) of the subtree: where each code hangs, whether it is on, and a
// new one for a community.
import { h, field, showFieldErrors, errorBox, toast } from '../dom.js';
import { api, query } from '../api.js';
import { CHANNELS, date } from '../format.js';
import { communityPicker } from './community-picker.js';

const KINDS = ['poster', 'community_hall', 'hotline_sms', 'door_to_door', 'other'];

export function render(main, { navigate }) {
  const rows = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, '加载更多');
  let cursor = null;

  async function load(append) {
    try {
      const page = await api('GET', `/api/v1/admin/entry-points${query({ cursor: append ? cursor : undefined, limit: 50 })}`);
      if (!append) rows.replaceChildren();
      rows.append(...page.items.map((e) => h('tr', { class: e.enabled ? '' : 'disabled' },
        h('td', {}, h('a', { href: `#/entry-points/${e.id}` }, e.label)),
        h('td', {}, e.jurisdiction_code),
        h('td', {}, CHANNELS[e.channel] || e.channel),
        h('td', {}, e.enabled ? '使用中' : '已停用'),
        h('td', {}, date(e.created_at)))));
      if (!rows.children.length) rows.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, '还没有扫码入口。')));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      rows.replaceChildren(h('tr', {}, h('td', { colspan: 5 }, errorBox(err, () => load(false)))));
    }
  }
  more.addEventListener('click', () => load(true));

  const label = h('input', { autocomplete: 'off', maxlength: 64, placeholder: '如 福安社区居委会公告栏' });
  const channel = h('select', {}, KINDS.map((k) => h('option', { value: k }, CHANNELS[k])));
  const where = communityPicker({ name: 'jurisdiction_code' });
  const alert = h('div', { class: 'alert error', role: 'alert', hidden: true });
  const form = h('form', { class: 'panel stack', novalidate: true, 'aria-labelledby': 'new-entry' },
    h('h2', { id: 'new-entry' }, '新建扫码入口'), alert,
    h('div', { class: 'grid' },
      field('社区', where.input, { name: 'jurisdiction_code', hint: '扫码提交的申请交给这个社区' }),
      field('张贴位置 / 名称', label, { name: 'label' }),
      field('渠道', channel, { name: 'channel' })),
    h('button', { type: 'submit', class: 'primary' }, '生成二维码'));
  where.input.after(where.list);
  where.input.parentElement.classList.add('combo-host');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const created = await api('POST', '/api/v1/admin/entry-points', { jurisdiction_code: where.value(), label: label.value.trim(), channel: channel.value });
      toast('扫码入口已生成', { kind: 'success' });
      navigate(`/entry-points/${created.id}`);
    } catch (err) {
      const left = showFieldErrors(form, err.fields);
      alert.replaceChildren(h('p', {}, err.message), left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
      alert.hidden = false;
    }
  });

  main.append(h('h1', {}, '扫码入口'), form,
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('caption', {}, '已有的扫码入口'),
      h('thead', {}, h('tr', {}, ['名称', '社区代码', '渠道', '状态', '创建日期'].map((t) => h('th', { scope: 'col' }, t)))), rows)),
    more);
  load(false);
  return () => {};
}
