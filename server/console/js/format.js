// Chinese labels and formats shared by every screen: 2026年12月2日, ¥1,234.50, status names.
import { h } from './dom.js';

const TZ = 'Asia/Shanghai';
const dateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' });
const timeFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hour12: false });
const moneyFmt = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', minimumFractionDigits: 2 });

/** 2026年12月2日 */
export function date(v) {
  if (!v) return '—';
  const d = v instanceof Date ? v : new Date(v.length === 10 ? `${v}T00:00:00+08:00` : v);
  return Number.isNaN(d.getTime()) ? '—' : dateFmt.format(d);
}

/** 2026年12月2日 14:05 */
export function dateTime(v) {
  if (!v) return '—';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '—' : `${dateFmt.format(d)} ${timeFmt.format(d)}`;
}

/**
 * A time limit. Limits end at local midnight after their last day: 2026-12-15T00:00+08 is
 * shown as 2026年12月14日 24:00, the day a person must finish by.
 */
export function due(v) {
  if (!v) return '—';
  const d = new Date(new Date(v).getTime() - 1000);
  if (Number.isNaN(d.getTime())) return '—';
  const t = timeFmt.format(d);
  return t === '23:59' ? `${dateFmt.format(d)} 24:00` : `${dateFmt.format(d)} ${timeFmt.format(new Date(v))}`;
}

/** ¥1,234.50 */
export function money(yuan) {
  if (yuan === null || yuan === undefined || yuan === '') return '—';
  return moneyFmt.format(Number(yuan));
}

/** Today in China as YYYY-MM-DD. */
export function todayIso(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return parts;
}

export const ROLES = {
  admin: '管理员', supervisor: '督办', approver: '审批', caseworker: '社区工作者', operator: '话务员',
};
export const LEVELS = {
  city: '市', district: '区', street: '街道/乡镇', community: '社区/村', grid: '网格',
};
export const STATUSES = {
  draft: '草稿', submitted: '已提交', accepted: '已受理', needs_supplement: '待补充材料',
  investigating: '入户调查中', review: '审核中', public_notice: '公示中', approved: '已批准',
  rejected: '未批准', emergency_aid: '已先行救助', withdrawn: '已撤回', closed: '已办结', reopened: '重新办理',
};
export const CHANNELS = {
  online: '线上申请', hotline: '热线', walk_in: '当面申请', proxy: '代办', outreach: '主动发现',
  poster: '张贴海报', community_hall: '社区服务站', hotline_sms: '热线短信', door_to_door: '入户', other: '其他',
};
export const CATEGORIES = {
  inquiry: '咨询', help: '求助', complaint: '投诉', follow_up: '回访',
};

/** What each staff action is called and what it needs. */
export const ACTIONS = {
  accept: { label: '受理' },
  request_supplement: { label: '一次性告知补充材料', needs: ['items'] },
  start_investigation: { label: '开始入户调查', needs: ['note?'] },
  submit_review: { label: '提交审核', needs: ['note'] },
  start_public_notice: { label: '开始公示' },
  approve: { label: '批准', needs: ['amount_yuan'] },
  reject: { label: '不予批准', needs: ['reason'], danger: true },
  emergency_approve: { label: '先行救助', needs: ['amount_yuan'] },
  close: { label: '办结' },
  reopen: { label: '重新办理', needs: ['note'] },
  assign: { label: '指派承办人', needs: ['assignee_id'] },
  transfer: { label: '转办到其他社区', needs: ['community_code', 'note'] },
};

export const EVENT_LABELS = {
  submit: '提交申请', withdraw: '撤回申请', supplement: '补充材料', created: '登记', hotline_call: '热线来电',
  content_review: '内容待人工查看', sla_at_risk: '临近办理时限', urged: '超时催办', supervised: '督办',
  follow_up: '回访', follow_up_scheduled: '安排回访', follow_up_reopen: '回访不满意,重新办理', ...Object.fromEntries(Object.entries(ACTIONS).map(([k, v]) => [k, v.label])),
};

export function statusBadge(status, label) {
  return h('span', { class: `badge status-${status}` }, label || STATUSES[status] || status);
}

/** 按时 / 临近超时 / 已超时, with working days left when known. */
export function slaBadge(state, daysLeft) {
  if (!state || state === 'none') return h('span', { class: 'badge muted' }, '—');
  const names = { on_track: '按时', at_risk: '临近超时', breached: '已超时' };
  let extra = '';
  if (daysLeft !== null && daysLeft !== undefined) {
    extra = daysLeft >= 0 ? ` · 剩 ${daysLeft} 个工作日` : ` · 超 ${-daysLeft} 个工作日`;
  }
  return h('span', { class: `badge sla-${state}` }, (names[state] || state) + extra);
}
