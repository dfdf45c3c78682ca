// Building the page without HTML strings: every text goes in as a text node, so whatever a
// resident or a colleague typed is shown, never run.

/** h('button', {class: 'x', onclick: fn}, 'text', child…) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'for') {
      el.htmlFor = v;
    } else if (k === 'value') {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') {
      el[k] = Boolean(v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
/** A unique id for tying a label to its input. */
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A labelled field: the label is tied to the control, the hint and the error are announced
 * with it. `name` is the API's field path, so its error lands here.
 */
export function field(label, control, { name, hint, wide } = {}) {
  const id = control.id || nextId();
  control.id = id;
  if (name) control.dataset.field = name;
  const err = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
  const described = [];
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    described.push(hintEl.id);
  }
  described.push(err.id);
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: wide ? 'field wide' : 'field', dataset: { for: name || '' } },
    h('label', { for: id }, label), control, hintEl, err);
}

/** Shows the API's `fields` next to their inputs; returns the messages that found no input. */
export function showFieldErrors(form, fields) {
  for (const el of form.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const left = [];
  let first = null;
  for (const [name, message] of Object.entries(fields || {})) {
    const control = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!control) {
      left.push(message);
      continue;
    }
    control.setAttribute('aria-invalid', 'true');
    const err = document.getElementById(`${control.id}-err`);
    if (err) {
      err.textContent = message;
      err.hidden = false;
    }
    first = first || control;
  }
  if (first) first.focus();
  return left;
}

export function toast(message, { kind = 'info', action, timeout = 6000 } = {}) {
  const box = document.getElementById('toasts');
  const close = h('button', { class: 'link', type: 'button', 'aria-label': '关闭提示' }, '×');
  const t = h('div', { class: `toast ${kind}` }, h('span', {}, message), action || null, close);
  close.addEventListener('click', () => t.remove());
  box.append(t);
  if (timeout) setTimeout(() => t.remove(), timeout);
  return t;
}

/** A small modal dialog (native <dialog>): resolves with the form's values or null. */
export function ask(title, fields, { submit = '确定', danger = false } = {}) {
  return new Promise((resolve) => {
    const form = h('form', { method: 'dialog', class: 'stack' },
      h('h2', {}, title),
      fields,
      h('div', { class: 'row end' },
        h('button', { type: 'button', class: 'secondary', value: 'cancel', onclick: () => { dlg.close(); } }, '取消'),
        h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submit)));
    const dlg = h('dialog', { class: 'dialog', 'aria-label': title }, form);
    let result = null;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!form.reportValidity()) return;
      result = Object.fromEntries(new FormData(form).entries());
      dlg.close();
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
    const first = form.querySelector('input, textarea, select');
    if (first) first.focus();
  });
}

/** An error box with the message a person can act on. */
export function errorBox(err, retry) {
  return h('div', { class: 'alert error', role: 'alert' },
    h('p', {}, err && err.message ? err.message : String(err)),
    // Only a network or server failure is worth trying again.
    retry && (!err || !err.status || err.status >= 500) ? h('button', { type: 'button', class: 'secondary', onclick: retry }, '重试') : null);
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
