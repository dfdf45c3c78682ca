// A combobox that finds a community by part of its name: type 福安, arrow to the right one,
// Enter. Keyboard-only, announced to screen readers; the chosen code is what the form sends.
import { h, nextId, debounce } from '../dom.js';
import { api, query } from '../api.js';

/**
 * Returns { input, list, value(), chosen(), set(hit) }; place `list` right after `input`. `onChange(hit|null)` fires on a choice.
 * `level` limits the search (default `community`).
 */
export function communityPicker({ name, level = 'community', onChange = () => {}, placeholder = '输入社区名称,如 福安' } = {}) {
  const listId = nextId('list');
  const input = h('input', {
    type: 'text', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, autocomplete: 'off', placeholder,
  });
  if (name) input.dataset.field = name;
  const list = h('ul', { id: listId, role: 'listbox', class: 'listbox', hidden: true });
  let hits = [];
  let active = -1;
  let chosen = null;

  function label(hit) {
    return hit.context ? `${hit.name}(${hit.context})` : hit.name;
  }

  function show() {
    list.replaceChildren(...hits.map((hit, i) => h('li', {
      id: `${listId}-${i}`, role: 'option', 'aria-selected': i === active ? 'true' : 'false',
      class: i === active ? 'active' : '',
      onmousedown: (e) => { e.preventDefault(); choose(hit); },
    }, h('strong', {}, hit.name), hit.context ? h('span', { class: 'muted' }, ` ${hit.context}`) : null)));
    if (!hits.length) list.append(h('li', { class: 'muted empty' }, '没有找到,请换个写法'));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) input.setAttribute('aria-activedescendant', `${listId}-${active}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function hide() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function choose(hit) {
    chosen = hit;
    input.value = label(hit);
    hide();
    onChange(hit);
  }

  const search = debounce(async (text) => {
    try {
      const r = await api('GET', `/api/v1/staff/jurisdictions${query({ q: text, level, limit: 10 })}`);
      if (input.value.trim() !== text) return;
      hits = r.items;
      active = hits.length ? 0 : -1;
      show();
    } catch {
      hide();
    }
  }, 200);

  input.addEventListener('input', () => {
    if (chosen) {
      chosen = null;
      onChange(null);
    }
    const text = input.value.trim();
    if (text) search(text);
    else hide();
  });
  input.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!hits.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length;
      show();
    } else if (e.key === 'Enter') {
      if (active >= 0 && hits[active]) {
        e.preventDefault();
        choose(hits[active]);
      }
    } else if (e.key === 'Escape') {
      hide();
    }
  });
  input.addEventListener('blur', () => setTimeout(hide, 150));

  return {
    input,
    list,
    value: () => (chosen ? chosen.code : ''),
    chosen: () => chosen,
    set(hit) { if (hit) choose(hit); else { chosen = null; input.value = ''; } },
  };
}
