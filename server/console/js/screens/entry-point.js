// One entry point: its QR code shown, the poster downloaded or printed, the scan funnel of the
// last 30 days, renaming and switching it off. Images are fetched with the access token and
// shown from blob: URLs (the page's policy allows nothing else).
import { h, field, ask, errorBox, toast } from '../dom.js';
import { api, blob, query } from '../api.js';
import { CHANNELS, date, todayIso } from '../format.js';

export function render(main, { params }) {
  const urls = [];
  const keep = (u) => { urls.push(u); return u; };
  const box = h('div', {}, h('p', { class: 'muted' }, '正在加载…'));
  main.append(h('p', {}, h('a', { href: '#/entry-points' }, '← 全部扫码入口')), box);

  async function download(path, filename) {
    try {
      const url = keep(URL.createObjectURL(await blob(path)));
      const a = h('a', { href: url, download: filename, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
    } catch (err) {
      toast(err.message, { kind: 'error' });
    }
  }

  async function print(e) {
    try {
      const url = keep(URL.createObjectURL(await blob(`/api/v1/admin/entry-points/${e.id}/poster`)));
      const w = window.open(url, '_blank');
      if (!w) toast('浏览器拦截了新窗口,请改用“下载海报”后打印', { kind: 'error' });
    } catch (err) {
      toast(err.message, { kind: 'error' });
    }
  }

  async function load() {
    let e;
    try {
      e = await api('GET', `/api/v1/admin/entry-points/${params.id}`);
    } catch (err) {
      box.replaceChildren(errorBox(err, load));
      return;
    }
    const img = h('img', { class: 'qr', alt: `${e.label} 的二维码`, width: 240, height: 240 });
    const kindNote = h('p', { class: 'muted small' });
    blob(`/api/v1/admin/entry-points/${e.id}/qrcode?kind=wxacode`).then((b) => {
      img.src = keep(URL.createObjectURL(b));
    }).catch(() => blob(`/api/v1/admin/entry-points/${e.id}/qrcode?kind=url`).then((b) => { img.src = keep(URL.createObjectURL(b)); }));
    kindNote.textContent = '微信已配置时显示小程序码;开发模式下显示网址二维码。';
    const name = h('span', {}, e.label);
    const stats = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, '正在统计…'));
    const toggle = h('button', { type: 'button', class: e.enabled ? 'danger' : 'secondary' }, e.enabled ? '停用此二维码' : '重新启用');
    toggle.addEventListener('click', async () => {
      try {
        await api('PATCH', `/api/v1/admin/entry-points/${e.id}`, { enabled: !e.enabled });
        toast(e.enabled ? '已停用,扫码将提示二维码失效' : '已重新启用', { kind: 'success' });
        load();
      } catch (err) {
        toast(err.message, { kind: 'error' });
      }
    });
    const rename = h('button', { type: 'button', class: 'secondary' }, '改名');
    rename.addEventListener('click', async () => {
      const input = h('input', { name: 'label', required: true, maxlength: 64, value: e.label });
      const got = await ask('修改扫码入口名称', [field('名称', input)], { submit: '保存' });
      if (!got) return;
      try {
        const r = await api('PATCH', `/api/v1/admin/entry-points/${e.id}`, { label: got.label });
        name.textContent = r.label;
        toast('名称已修改', { kind: 'success' });
      } catch (err) {
        toast(err.message, { kind: 'error' });
      }
    });
    box.replaceChildren(
      h('h1', {}, name),
      h('p', { class: 'row wrap' }, h('span', {}, `社区 ${e.jurisdiction_code}`), h('span', {}, CHANNELS[e.channel] || e.channel),
        h('span', { class: `badge ${e.enabled ? 'sla-on_track' : 'muted'}` }, e.enabled ? '使用中' : '已停用'), h('span', { class: 'muted' }, `创建于 ${date(e.created_at)}`)),
      h('div', { class: 'case-grid' },
        h('section', { class: 'panel', 'aria-labelledby': 'h-qr' }, h('h2', { id: 'h-qr' }, '二维码'), img, kindNote,
          h('p', { class: 'small' }, '网址:', h('code', {}, e.landing_url)),
          h('div', { class: 'row wrap' },
            h('button', { type: 'button', class: 'primary', id: 'download-poster', onclick: () => download(`/api/v1/admin/entry-points/${e.id}/poster`, `${e.scene}-海报.svg`) }, '下载海报'),
            h('button', { type: 'button', class: 'secondary', onclick: () => print(e) }, '打印海报'),
            h('button', { type: 'button', class: 'secondary', onclick: () => download(`/api/v1/admin/entry-points/${e.id}/qrcode?kind=url&format=svg`, `${e.scene}.svg`) }, '下载网址二维码(SVG)')),
          h('div', { class: 'row wrap' }, rename, toggle)),
        h('section', { class: 'panel', 'aria-labelledby': 'h-funnel' }, h('h2', { id: 'h-funnel' }, '近 30 天扫码情况'), stats)));
    try {
      const s = await api('GET', `/api/v1/admin/entry-points/${e.id}/stats${query({ from: todayIso(-29), to: todayIso() })}`);
      const t = s.totals;
      const days = s.days.filter((d) => d.scans || d.applications_started || d.applications_submitted).reverse();
      stats.replaceChildren(
        h('dl', { class: 'facts funnel' },
          h('dt', {}, '扫码次数'), h('dd', {}, String(t.scans)),
          h('dt', {}, '扫码居民'), h('dd', {}, String(t.unique_residents)),
          h('dt', {}, '开始申请'), h('dd', {}, String(t.applications_started)),
          h('dt', {}, '提交申请'), h('dd', {}, String(t.applications_submitted))),
        days.length ? h('table', { class: 'list compact' },
          h('thead', {}, h('tr', {}, ['日期', '扫码', '居民', '开始', '提交'].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, days.map((d) => h('tr', {}, h('td', {}, date(d.date)), h('td', {}, String(d.scans)), h('td', {}, String(d.unique_residents)),
            h('td', {}, String(d.applications_started)), h('td', {}, String(d.applications_submitted)))))) : h('p', { class: 'muted' }, '这段时间还没有人扫码。'));
    } catch (err) {
      stats.replaceChildren(errorBox(err));
    }
  }
  load();
  return () => { for (const u of urls) URL.revokeObjectURL(u); };
}
