// Starts the console: restores the session from the cookie (or shows the login screen), then
// draws the frame for the signed-in role and hands each route to its screen.
import { h, clear, toast } from './dom.js';
import * as session from './session.js';
import * as router from './router.js';
import * as live from './live.js';
import { ROLES } from './format.js';
import { loginScreen } from './screens/login.js';
import * as hotline from './screens/hotline.js';
import * as followups from './screens/followups.js';
import * as tasks from './screens/tasks.js';
import * as cases from './screens/cases.js';
import * as caseView from './screens/case.js';
import * as inbox from './screens/inbox.js';
import * as supervise from './screens/supervise.js';
import * as dead from './screens/dead.js';
import * as satisfaction from './screens/satisfaction.js';
import * as tree from './screens/tree.js';
import * as staff from './screens/staff.js';
import * as entryPoints from './screens/entry-points.js';
import * as entryPoint from './screens/entry-point.js';
import * as calendar from './screens/calendar.js';
import * as catalogue from './screens/catalogue.js';

const app = document.getElementById('app');

/** What each role sees in the menu; the first entry is its home. */
const MENUS = {
  operator: [['/hotline', '来电登记'], ['/followups', '回访'], ['/tasks', '求助任务'], ['/inbox', '通知']],
  caseworker: [['/cases', '我的案件'], ['/tasks', '求助任务'], ['/inbox', '通知']],
  approver: [['/cases', '案件审批'], ['/tasks', '求助任务'], ['/inbox', '通知']],
  supervisor: [['/supervise', '督办概览'], ['/cases', '案件'], ['/satisfaction', '回访满意度'], ['/dead', '失败通知'], ['/entry-points', '扫码入口'], ['/inbox', '通知']],
  admin: [['/tree', '辖区'], ['/staff', '工作人员'], ['/entry-points', '扫码入口'], ['/calendar', '工作日历'], ['/catalogue', '救助类型'], ['/dead', '失败通知'], ['/inbox', '通知']],
};

router.route('/hotline', hotline);
router.route('/followups', followups);
router.route('/tasks', tasks);
router.route('/cases', cases);
router.route('/cases/:id', caseView);
router.route('/inbox', inbox);
router.route('/supervise', supervise);
router.route('/dead', dead);
router.route('/satisfaction', satisfaction);
router.route('/tree', tree);
router.route('/staff', staff);
router.route('/entry-points', entryPoints);
router.route('/entry-points/:id', entryPoint);
router.route('/calendar', calendar);
router.route('/catalogue', catalogue);

function home(me) {
  return (MENUS[me.role] || [['/inbox']])[0][0];
}

/** Unsubscribes the current frame from live events (a new sign-in draws a new frame). */
let offFrame = () => {};

function frame(me) {
  offFrame();
  const badge = h('span', { class: 'count', hidden: true, 'aria-label': '未读通知' });
  const liveDot = h('span', { class: 'live-dot', title: '实时通知未连接', 'aria-hidden': 'true' });
  const links = (MENUS[me.role] || []).map(([path, label]) =>
    h('a', { href: `#${path}`, dataset: { path } }, label, path === '/inbox' ? badge : null));
  const main = h('main', { id: 'main', tabindex: '-1' });
  const logout = h('button', { type: 'button', class: 'secondary small', id: 'logout' }, '退出登录');
  logout.addEventListener('click', async () => {
    live.stop();
    router.stop();
    await session.logout();
    // Signing out on purpose leaves nothing typed behind in this tab. (A session that merely
    // expired keeps the operator's unsaved call for when they sign in again.)
    for (const key of Object.keys(sessionStorage)) {
      if (key.startsWith('ztc.')) sessionStorage.removeItem(key);
    }
    showLogin('您已退出登录。');
  });
  const who = `${me.display_name || me.username} · ${ROLES[me.role] || me.role} · ${me.jurisdiction.name}`;
  clear(app,
    h('header', { class: 'top' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '救'), '社会救助直通车 · 工作台'),
      h('nav', { 'aria-label': '主菜单' }, links),
      h('div', { class: 'who' }, liveDot, h('span', { id: 'who' }, who), logout)),
    main);
  offFrame = live.subscribe((e) => {
    if (e.type === 'unread') {
      badge.textContent = e.count > 99 ? '99+' : String(e.count);
      badge.hidden = e.count === 0;
    } else if (e.type === 'state') {
      liveDot.classList.toggle('on', e.live);
      liveDot.title = e.live ? '实时通知已连接' : '实时通知未连接,正在重连';
    } else if (e.type === 'notification' && !e.item.read_at) {
      const go = e.item.application_id
        ? h('button', { type: 'button', class: 'link', onclick: () => router.navigate(`/cases/${e.item.application_id}`) }, '查看')
        : h('button', { type: 'button', class: 'link', onclick: () => router.navigate('/inbox') }, '查看');
      toast(`${e.item.title}:${e.item.body}`, { kind: 'notice', action: go, timeout: 10000 });
    }
  });
  return main;
}

function showShell(me) {
  const main = frame(me);
  live.start();
  router.start((screen, params, query) => {
    const path = router.parse().path;
    for (const a of document.querySelectorAll('header nav a')) {
      const on = path === a.dataset.path || path.startsWith(`${a.dataset.path}/`);
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (!screen) {
      router.navigate(home(me));
      return null;
    }
    main.replaceChildren();
    const ctx = { me, params, query, navigate: router.navigate, replaceQuery: router.replaceQuery, live };
    const cleanup = screen.render(main, ctx);
    // A screen that put the cursor somewhere (the operator's number field) keeps it there.
    if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
    return cleanup;
  });
}

function showLogin(message) {
  loginScreen(app, {
    message,
    onLogin: (me) => showShell(me),
  });
}

session.onEnd((message) => {
  live.stop();
  router.stop();
  showLogin(message);
});

(async () => {
  try {
    const r = await session.restore();
    if (r.ok) showShell(session.current());
    else showLogin(r.message);
  } catch {
    showLogin('无法连接服务,请检查网络后刷新页面。');
  }
})();
