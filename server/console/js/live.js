// Live notifications over Server-Sent Events: a toast and the unread badge for each new inbox
// entry, resuming after the last one seen. An expired token is refreshed and the stream
// reopened; a session the server ended goes back to the login screen.
import { api } from './api.js';
import * as session from './session.js';

let source = null;
let lastId = null;
let retryTimer = null;
let stopped = true;
let unread = 0;
let backoff = 1000;
const listeners = new Set();

/** `fn({type: 'notification', item} | {type: 'unread', count} | {type: 'state', live})` */
export function subscribe(fn) {
  listeners.add(fn);
  fn({ type: 'unread', count: unread });
  return () => listeners.delete(fn);
}

function emit(e) {
  for (const fn of listeners) fn(e);
}

export function setUnread(n) {
  unread = Math.max(0, n);
  emit({ type: 'unread', count: unread });
}

export async function refreshUnread() {
  try {
    const r = await api('GET', '/api/v1/staff/notifications/unread-count');
    setUnread(r.unread);
  } catch {
    /* the badge waits for the next event */
  }
}

export function start() {
  stopped = false;
  backoff = 1000;
  refreshUnread();
  open();
}

export function stop() {
  stopped = true;
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  emit({ type: 'state', live: false });
}

function open() {
  if (stopped || !session.token()) return;
  if (source) source.close();
  const params = new URLSearchParams({ access_token: session.token() });
  if (lastId) params.set('last_event_id', lastId);
  source = new EventSource(`/api/v1/staff/notifications/stream?${params}`);
  source.addEventListener('open', () => {
    backoff = 1000;
    emit({ type: 'state', live: true });
  });
  source.addEventListener('notification', (ev) => {
    lastId = ev.lastEventId || lastId;
    let item = null;
    try {
      item = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (!item.read_at) setUnread(unread + 1);
    emit({ type: 'notification', item });
  });
  source.addEventListener('session_ended', async (ev) => {
    source.close();
    source = null;
    let body = null;
    try {
      body = JSON.parse(ev.data);
    } catch {
      /* treated as ended */
    }
    const code = body && body.error && body.error.code;
    if (code === 'token_expired') {
      if (await session.refresh()) open();
      return;
    }
    session.end((body && body.error && body.error.message) || '登录已失效,请重新登录');
  });
  source.addEventListener('error', () => {
    emit({ type: 'state', live: false });
    if (source && source.readyState === EventSource.CLOSED) {
      // Refused (an expired token) or the server went away: get a fresh token, then retry.
      source = null;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(async () => {
        if (stopped) return;
        await session.refresh();
        open();
      }, backoff);
      backoff = Math.min(backoff * 2, 30000);
    }
  });
}
