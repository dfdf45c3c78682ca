// The jurisdiction tree from the admin's own node down: browse, add a node under one, rename.
import { h, field, ask, errorBox, toast } from '../dom.js';
import { api } from '../api.js';
import { LEVELS } from '../format.js';

const CHILD = { city: 'district', district: 'street', street: 'community', community: 'grid' };

export function render(main, { me }) {
  const root = h('ul', { class: 'tree', role: 'tree', 'aria-label': '辖区' });

  function node(n) {
    const kids = h('ul', { role: 'group', hidden: true });
    let loaded = false;
    const toggle = h('button', { type: 'button', class: 'twisty', 'aria-expanded': 'false', 'aria-label': `展开 ${n.name}` }, '▸');
    const name = h('span', { class: 'name' }, n.name);
    const li = h('li', { role: 'treeitem', dataset: { code: n.code } },
      h('div', { class: 'node' }, n.level === 'grid' ? h('span', { class: 'twisty-space' }) : toggle, name,
        h('span', { class: 'muted small' }, ` ${LEVELS[n.level] || n.level} · ${n.code}`),
        h('button', { type: 'button', class: 'link', onclick: () => rename(n, name) }, '改名'),
        CHILD[n.level] ? h('button', { type: 'button', class: 'link', onclick: () => add(n, kids, expand) }, `添加${LEVELS[CHILD[n.level]]}`) : null),
      kids);
    async function expand(force) {
      if (!loaded || force) {
        try {
          const r = await api('GET', `/api/v1/jurisdictions/${encodeURIComponent(n.code)}/children`);
          kids.replaceChildren(...(r.items.length ? r.items.map(node) : [h('li', { class: 'muted' }, '(没有下级)')]));
          loaded = true;
        } catch (err) {
          kids.replaceChildren(h('li', {}, errorBox(err)));
        }
      }
      kids.hidden = false;
      toggle.setAttribute('aria-expanded', 'true');
      toggle.textContent = '▾';
      toggle.setAttribute('aria-label', `收起 ${n.name}`);
    }
    toggle.addEventListener('click', () => {
      if (kids.hidden) expand();
      else {
        kids.hidden = true;
        toggle.setAttribute('aria-expanded', 'false');
        toggle.textContent = '▸';
        toggle.setAttribute('aria-label', `展开 ${n.name}`);
      }
    });
    li.expand = expand;
    return li;
  }

  async function rename(n, label) {
    const input = h('input', { name: 'name', required: true, maxlength: 64, value: n.name });
    const got = await ask(`修改“${n.name}”的名称`, [field('新名称', input)], { submit: '保存' });
    if (!got) return;
    try {
      const r = await api('PATCH', `/api/v1/admin/jurisdictions/${encodeURIComponent(n.code)}`, { name: got.name });
      n.name = r.name;
      label.textContent = r.name;
      toast('名称已修改', { kind: 'success' });
    } catch (err) {
      toast(err.message, { kind: 'error' });
    }
  }

  async function add(parent, kids, expand) {
    const level = CHILD[parent.level];
    const code = h('input', { name: 'code', required: true, maxlength: 32, placeholder: `${parent.code}001` });
    const name = h('input', { name: 'name', required: true, maxlength: 64 });
    const got = await ask(`在“${parent.name}”下添加${LEVELS[level]}`, [field('区划代码', code, { hint: '数字和字母,全市唯一' }), field('名称', name)], { submit: '添加' });
    if (!got) return;
    try {
      await api('POST', '/api/v1/admin/jurisdictions', { code: got.code, name: got.name, level, parent_code: parent.code });
      toast(`已添加 ${got.name}`, { kind: 'success' });
      expand(true);
    } catch (err) {
      const msgs = Object.values(err.fields || {});
      toast(msgs.length ? msgs.join(';') : err.message, { kind: 'error' });
    }
  }

  main.append(h('h1', {}, '辖区'), h('p', { class: 'muted' }, '市 → 区 → 街道/乡镇 → 社区/村 → 网格。案件属于社区,工作人员只能看到本级及下级。'), root);
  api('GET', `/api/v1/jurisdictions/${encodeURIComponent(me.jurisdiction.code)}`).then((n) => {
    const li = node({ code: n.code, name: n.name, level: n.level });
    root.append(li);
    li.expand();
  }).catch((err) => root.replaceChildren(errorBox(err)));
  return () => {};
}
