// The staff session. The access token lives in this module's memory only; the refresh token
// is an HttpOnly cookie the page cannot read, sent only to /api/v1/auth with our client
// header. A reload or an expired access token refreshes silently.

const CLIENT = { 'X-Ztc-Client': 'console', 'Content-Type': 'application/json' };

let access = null;
let me = null;
let refreshing = null;
const endListeners = new Set();

export const token = () => access;
export const current = () => me;

/** Called with a message when the session ends on its own (expired, disabled, reused). */
export function onEnd(fn) {
  endListeners.add(fn);
}

export function end(message) {
  const had = access !== null;
  access = null;
  me = null;
  if (had) for (const fn of endListeners) fn(message);
}

async function authPost(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: CLIENT,
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, status: 0, data: { error: { code: 'network', message: '网络连接中断,请检查网络后重试' } } };
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, data };
}

async function loadMe() {
  const res = await fetch('/api/v1/staff/me', { headers: { Authorization: `Bearer ${access}` }, cache: 'no-store' });
  if (!res.ok) throw new Error('无法读取账号信息');
  me = await res.json();
}

/** Signs in; throws an Error whose message says what is wrong. */
export async function login(username, password) {
  const r = await authPost('/api/v1/auth/staff/login', { username, password, refresh_cookie: true });
  if (!r.ok) {
    const e = new Error((r.data && r.data.error && r.data.error.message) || '登录失败,请稍后重试');
    e.code = r.data && r.data.error && r.data.error.code;
    throw e;
  }
  access = r.data.access_token;
  await loadMe();
  return me;
}

/**
 * A new access token from the cookie; one request however many callers ask at once.
 * Resolves true on success. A refused refresh ends the session with the server's message.
 */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const r = await authPost('/api/v1/auth/refresh', {});
      if (r.ok) {
        access = r.data.access_token;
        return true;
      }
      if (r.status === 0) return false; // offline: keep the session, try again later
      const message = (r.data && r.data.error && r.data.error.message) || '登录已失效,请重新登录';
      if (access) end(message);
      return false;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** After a reload: a session from the cookie, if there is one. */
export async function restore() {
  const r = await authPost('/api/v1/auth/refresh', {});
  if (!r.ok) return { ok: false, message: r.status === 401 && r.data && r.data.error && r.data.error.code !== 'invalid_refresh_token' ? r.data.error.message : null };
  access = r.data.access_token;
  await loadMe();
  return { ok: true };
}

/** Ends the session family on the server and clears the cookie. */
export async function logout() {
  await authPost('/api/v1/auth/logout', {});
  access = null;
  me = null;
}
