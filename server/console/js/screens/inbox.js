// The inbox: every notice, newest first; unread ones stand out, and opening one marks it read.
import { h, errorBox } from '../dom.js';
import { api, query } from '../api.js';
import { dateTime } from '../format.js';

export function render(main, { navigate, live }) {
  const list = h('ul', { class: 'inbox', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, '加载更多');
  const readAll = h('button', { type: 'button', class: 'secondary small' }, '全部标为已读');
  let cursor = null;

  function item(n) {
    const open = async () => {
      if (!n.read_at) {
        try {
          await api('POST', `/api/v1/staff/notifications/${n.id}/read`);
        } catch { /* reading still works */ }
        live.refreshUnread();
      }
      if (n.application_id) navigate(`/cases/${n.application_id}`);
      else if (n.event_type.startsWith('hotline.')) navigate('/tasks');
    };
    return h('li', { class: n.read_at ? 'read' : 'unread' },
      h('button', { type: 'button', class: 'inbox-item', onclick: open },
        h('span', { class: 'title' }, n.read_at ? '' : h('span', { class: 'dot', 'aria-label': '未读' }), n.title),
        h('span', { class: 'body' }, n.body),
        h('span', { class: 'when' }, dateTime(n.created_at))));
  }

  async function load(append) {
    try {
      const page = await api('GET', `/api/v1/staff/notifications${query({ cursor: append ? cursor : undefined, limit: 30 })}`);
      if (!append) list.replaceChildren();
      list.append(...page.items.map(item));
      if (!list.children.length) list.append(h('li', { class: 'muted' }, '还没有通知。'));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      list.replaceChildren(h('li', {}, errorBox(err, () => load(false))));
    }
  }
  more.addEventListener('click', () => load(true));
  readAll.addEventListener('click', async () => {
    const r = await api('POST', '/api/v1/staff/notifications/read-all');
    live.setUnread(r.unread);
    load(false);
  });
  main.append(h('div', { class: 'row spread' }, h('h1', {}, '通知'), readAll), list, more);
  load(false);
  return live.subscribe((e) => {
    if (e.type === 'notification') {
      const empty = list.querySelector('li.muted');
      if (empty) empty.remove();
      list.prepend(item(e.item));
    }
  });
}
