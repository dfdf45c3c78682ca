// Notifications given up on (a WeChat template refused, a recipient gone): why, and retry
// once the cause is fixed.
import { h, errorBox, toast } from '../dom.js';
import { api, query } from '../api.js';
import { dateTime } from '../format.js';

const CHANNELS = { wechat: '微信订阅消息', staff: '工作台通知' };

export function render(main) {
  const list = h('div', { 'aria-live': 'polite' });
  async function load() {
    try {
      const page = await api('GET', `/api/v1/admin/notifications/dead${query({ limit: 100 })}`);
      const rows = page.items.map((d) => h('tr', {},
        h('td', {}, dateTime(d.updated_at)),
        h('td', {}, d.event_type),
        h('td', {}, CHANNELS[d.channel] || d.channel),
        h('td', {}, d.application_id ? h('a', { href: `#/cases/${d.application_id}` }, '查看案件') : '—'),
        h('td', {}, String(d.attempts)),
        h('td', { class: 'wrap-text' }, d.last_error || '—'),
        h('td', {}, h('button', {
          type: 'button', class: 'secondary small', onclick: async (e) => {
            e.target.disabled = true;
            try {
              await api('POST', `/api/v1/admin/notifications/${d.id}/retry`);
              toast('已重新发送', { kind: 'success' });
              load();
            } catch (err) {
              e.target.disabled = false;
              toast(err.message, { kind: 'error' });
            }
          },
        }, '重试'))));
      list.replaceChildren(rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, ['最后尝试', '事件', '渠道', '案件', '次数', '失败原因', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))) : h('p', { class: 'muted' }, '没有发送失败的通知。'));
    } catch (err) {
      list.replaceChildren(errorBox(err, load));
    }
  }
  main.append(h('h1', {}, '发送失败的通知'), list);
  load();
  return () => {};
}
