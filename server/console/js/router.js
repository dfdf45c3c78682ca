// Hash routing (`#/cases/…`): the server serves one page, so every deep link works and a
// reload stays where it was.

const routes = [];
let current = null;
let renderFrame = null;

/** Registers `pattern` (`/cases/:id`) with its screen. */
export function route(pattern, screen) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/:([a-z]+)/g, (_, k) => { keys.push(k); return '([^/]+)'; })}$`);
  routes.push({ re, keys, screen });
}

export function parse(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(qs || '')) };
}

export function navigate(path, query) {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v !== undefined && v !== null)).toString() : '';
  const target = `#${path}${qs ? `?${qs}` : ''}`;
  if (location.hash === target) dispatch();
  else location.hash = target;
}

/** Replaces the query of the current route without adding history or re-rendering. */
export function replaceQuery(query) {
  const { path } = parse();
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v !== undefined && v !== null)).toString();
  history.replaceState(null, '', `#${path}${qs ? `?${qs}` : ''}`);
}

/** `frame(screen, params, query)` puts a screen in the page and returns its cleanup. */
export function start(frame) {
  renderFrame = frame;
  window.addEventListener('hashchange', dispatch);
  dispatch();
}

export function stop() {
  window.removeEventListener('hashchange', dispatch);
  if (current && current.cleanup) current.cleanup();
  current = null;
}

function dispatch() {
  if (!renderFrame) return;
  const { path, query } = parse();
  if (current && current.cleanup) current.cleanup();
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
      current = { cleanup: renderFrame(r.screen, params, query) };
      return;
    }
  }
  current = { cleanup: renderFrame(null, {}, query) };
}
