// api.js: the public HTTP API of slotmesh (API.md), nothing private. The
// session (token, user id, expiry) lives in localStorage.

const SESSION = 'slotmesh.session';

export function session() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION) || 'null');
    if (s && s.token && new Date(s.expires_at) > new Date()) return s;
  } catch { /* a broken entry is no session */ }
  return null;
}

export function setSession(s) {
  if (s) localStorage.setItem(SESSION, JSON.stringify(s));
  else localStorage.removeItem(SESSION);
  window.dispatchEvent(new Event('slotmesh:session'));
}

// ApiError carries the API's error body: {error: {code, message, details}}.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `the server answered ${status}`);
    this.status = status;
    this.code = body?.error?.code || 'http_' + status;
    this.details = body?.error?.details || {};
  }
}

// api calls the gateway with the session's token and JSON in and out.
export async function api(method, path, body, { headers = {}, signal } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const s = session();
  if (s) h.Authorization = 'Bearer ' + s.token;
  let res;
  try {
    res = await fetch(path, { method, headers: h, signal, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { error: { code: 'network', message: 'The server cannot be reached; check your connection and try again.' } });
  }
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { /* no body */ }
  if (!res.ok) {
    if (res.status === 401 && s) setSession(null);
    const err = new ApiError(res.status, data);
    err.body = data;
    throw err;
  }
  data = data ?? {};
  Object.defineProperty(data, '_status', { value: res.status });
  return data;
}

// all follows next_cursor to the end (at most pages pages).
export async function all(path, pages = 20) {
  const items = [];
  let cursor = '';
  for (let i = 0; i < pages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + (cursor ? sep + 'cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...(page.items || []));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return items;
}

// newKey is an Idempotency-Key.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const vendorCache = new Map();

// vendor reads a vendor (public), cached for the page's life.
export function vendor(id, fresh = false) {
  if (fresh || !vendorCache.has(id)) {
    const p = api('GET', '/v1/vendors/' + encodeURIComponent(id));
    p.catch(() => vendorCache.delete(id));
    vendorCache.set(id, p);
  }
  return vendorCache.get(id);
}

// follow reads a Server-Sent Events stream with fetch (EventSource cannot
// send the Authorization header) and reconnects until stop() is called.
// on(event, data) gets every event; state(s) hears 'connecting', 'live',
// 'reconnecting' and 'closed' (a 401/403/404 ends it).
export function follow(path, on, state = () => {}) {
  const ctl = new AbortController();
  let stopped = false;
  (async () => {
    let delay = 1000;
    while (!stopped) {
      state('connecting');
      let wait = delay;
      try {
        const s = session();
        const res = await fetch(path, { signal: ctl.signal, cache: 'no-store',
          headers: { Accept: 'text/event-stream', ...(s ? { Authorization: 'Bearer ' + s.token } : {}) } });
        if (!res.ok) {
          let body = null;
          try { body = await res.json(); } catch { /* none */ }
          const err = new ApiError(res.status, body);
          if ([401, 403, 404].includes(res.status)) { state('closed', err); return; }
          throw err;
        }
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf = (buf + value).replace(/\r\n?/g, '\n');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const ev = parseEvent(buf.slice(0, i));
            buf = buf.slice(i + 2);
            if (!ev) continue;
            if (ev.retry) delay = ev.retry;
            if (ev.event === 'ready') state('live');
            if (ev.event === 'reconnect' || ev.event === 'reset') wait = 0;
            if (ev.event) on(ev.event, ev.data, ev.id);
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      if (stopped) return;
      state('reconnecting');
      await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return () => { stopped = true; ctl.abort(); state('closed'); };
}

function parseEvent(block) {
  let event = 'message', data = [], id = '', retry = 0, any = false;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const c = line.indexOf(':');
    const field = c < 0 ? line : line.slice(0, c);
    let value = c < 0 ? '' : line.slice(c + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    any = true;
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  }
  if (!any) return null;
  let parsed = null;
  if (data.length) { try { parsed = JSON.parse(data.join('\n')); } catch { parsed = data.join('\n'); } }
  return { event: data.length || event !== 'message' ? event : '', data: parsed, id, retry };
}
