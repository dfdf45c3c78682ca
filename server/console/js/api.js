// The JSON API client: bearer token from the session, one silent refresh on an expired
// token, and errors as ApiError with the API's code, message and per-field messages.
import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || (status === 0 ? '网络连接中断,请检查网络后重试' : `请求失败(${status})`));
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'request_failed');
    this.fields = e.fields || {};
    this.details = e.details || null;
  }

  /** Someone else changed the case since it was read. */
  get stale() {
    return this.status === 409 && (this.code === 'stale_version' || this.code === 'invalid_transition');
  }
}

async function send(method, path, body, { raw = false } = {}) {
  const headers = { Accept: raw ? '*/*' : 'application/json' };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, null);
  }
  return res;
}

async function parse(res) {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** One call; a 401 `token_expired` refreshes the session once and tries again. */
export async function api(method, path, body, opts = {}) {
  let res = await send(method, path, body, opts);
  if (res.status === 401) {
    const err = await parse(res.clone());
    const code = err && err.error && err.error.code;
    if (code === 'token_expired' && (await session.refresh())) {
      res = await send(method, path, body, opts);
    } else if (session.token() && code !== 'token_expired') {
      session.end(err && err.error ? err.error.message : '登录已失效,请重新登录');
    }
  }
  if (opts.raw && res.ok) return res;
  const data = await parse(res);
  if (!res.ok) {
    if (res.status === 401 && session.token()) session.end(new ApiError(401, data).message);
    throw new ApiError(res.status, data);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const patch = (path, body) => api('PATCH', path, body);

/** A binary resource (QR code, poster) as a Blob. */
export async function blob(path) {
  const res = await api('GET', path, undefined, { raw: true });
  return res.blob();
}

/** `?a=1&b=2` from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
