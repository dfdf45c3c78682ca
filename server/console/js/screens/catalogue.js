// The assistance catalogue: each type's time limits, 公示 days, 先行救助 and whether it is on.
import { h, field, errorBox, toast, showFieldErrors } from '../dom.js';
import { api } from '../api.js';

const LIMITS = [
  ['urgent_response_hours', '紧急件响应(小时)'],
  ['response_working_days', '受理时限(工作日)'],
  ['investigation_working_days', '调查时限(工作日)'],
  ['review_working_days', '审核时限(工作日)'],
  ['public_notice_days', '公示天数(0 为不公示)'],
  ['total_working_days', '全案办结时限(工作日)'],
  ['emergency_backfill_working_days', '先行救助补办(工作日)'],
];

export function render(main) {
  const list = h('div', { class: 'stack' }, h('p', { class: 'muted' }, '正在加载…'));

  function editor(t) {
    const inputs = {};
    const alert = h('div', { class: 'alert error', role: 'alert', hidden: true });
    const enabled = h('input', { type: 'checkbox', checked: t.enabled });
    const emergency = h('input', { type: 'checkbox', checked: t.emergency_allowed });
    const form = h('form', { class: 'stack', novalidate: true }, alert,
      h('div', { class: 'grid' }, LIMITS.map(([k, l]) => {
        inputs[k] = h('input', { type: 'number', min: 0, value: t.time_limits[k] });
        return field(l, inputs[k], { name: `time_limits.${k}` });
      })),
      h('div', { class: 'checks' }, h('label', { class: 'check' }, enabled, ' 开放申请'), h('label', { class: 'check' }, emergency, ' 可先行救助')),
      h('button', { type: 'submit', class: 'primary' }, '保存'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const limits = Object.fromEntries(LIMITS.map(([k]) => [k, Number(inputs[k].value)]));
      try {
        await api('PATCH', `/api/v1/admin/assistance-types/${encodeURIComponent(t.code)}`, { time_limits: limits, enabled: enabled.checked, emergency_allowed: emergency.checked });
        toast(`${t.name} 已保存`, { kind: 'success' });
        alert.hidden = true;
        showFieldErrors(form, {});
      } catch (err) {
        const left = showFieldErrors(form, err.fields);
        alert.replaceChildren(h('p', {}, err.message), left.length ? h('ul', {}, left.map((m) => h('li', {}, m))) : null);
        alert.hidden = false;
      }
    });
    return h('details', { class: 'panel' },
      h('summary', {}, h('strong', {}, t.name), h('span', { class: 'muted' }, ` ${t.code} · 全案 ${t.time_limits.total_working_days} 个工作日${t.enabled ? '' : ' · 已停用'}`)),
      h('p', { class: 'muted' }, t.description), form);
  }

  async function load() {
    try {
      const r = await api('GET', '/api/v1/admin/assistance-types');
      list.replaceChildren(...r.items.map(editor));
    } catch (err) {
      list.replaceChildren(errorBox(err, load));
    }
  }
  main.append(h('h1', {}, '救助类型'), h('p', { class: 'muted' }, '时限按工作日计算(见工作日历)。'), list);
  load();
  return () => {};
}
