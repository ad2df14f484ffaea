// app.js: the router (hash routes, so the gateway serves one page) and the
// sign-up / log-in pages.
import { api, session, setSession, ApiError } from './api.js';
import { h, field, errorBox } from './ui.js';
import { searchPage, myBookingsPage } from './diner.js';
import { managePage, onboardPage, bookPage } from './manage.js';

const main = document.getElementById('main');
let cleanup = null;

// route parses location.hash: #/path/a/b?x=1 -> {parts, query}.
function route() {
  const raw = location.hash.replace(/^#/, '') || '/search';
  const [path, qs] = raw.split('?');
  return { parts: path.split('/').filter(Boolean), query: new URLSearchParams(qs || '') };
}

export function go(hash) { location.hash = hash; }

// needLogin sends a visitor to the log-in page and back.
export function needLogin() {
  if (session()) return false;
  go('#/login?next=' + encodeURIComponent(location.hash || '#/search'));
  return true;
}

async function render() {
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const { parts, query } = route();
  const page = parts[0] || 'search';
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  try {
    switch (page) {
      case 'login': authPage(view, 'login', query); break;
      case 'signup': authPage(view, 'signup', query); break;
      case 'search': cleanup = await searchPage(view, query); break;
      case 'bookings': if (!needLogin()) cleanup = await myBookingsPage(view, query); break;
      case 'manage':
        if (needLogin()) break;
        if (parts[1] === 'new') cleanup = await onboardPage(view);
        else if (parts[1] === 'book' && parts[2]) cleanup = await bookPage(view, parts[2], query);
        else cleanup = await managePage(view);
        break;
      default: view.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/search' }, 'Find a table')));
    }
  } catch (e) {
    view.append(errorBox(e));
  }
  const h1 = view.querySelector('h1');
  if (h1 && document.activeElement === document.body) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
  document.title = (h1 ? h1.textContent + ' · ' : '') + 'slotmesh';
}

function authPage(view, mode, query) {
  const next = query.get('next') || '#/search';
  const signup = mode === 'signup';
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card narrow', novalidate: true },
    signup ? field('Name', { name: 'name', autocomplete: 'name', required: true }) : null,
    field('Email', { name: 'email', type: 'email', autocomplete: 'email', required: true }),
    field('Password', { name: 'password', type: 'password', autocomplete: signup ? 'new-password' : 'current-password', required: true, minlength: 8 },
      signup ? 'At least 8 characters' : undefined),
    out,
    h('button', { type: 'submit', class: 'primary' }, signup ? 'Create account' : 'Log in'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    out.replaceChildren();
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      if (signup) await api('POST', '/v1/users', { email: f.get('email'), password: f.get('password'), name: f.get('name') });
      const s = await api('POST', '/v1/sessions', { email: f.get('email'), password: f.get('password') });
      let name = '';
      setSession({ ...s, name });
      try { name = (await api('GET', '/v1/users/me')).name; } catch { /* the name is a nicety */ }
      setSession({ ...s, name, email: f.get('email') });
      location.hash = next;
    } catch (err) {
      out.replaceChildren(errorBox(err instanceof ApiError && err.status === 401 ? new Error('Wrong email or password.') : err));
    } finally { btn.disabled = false; }
  });
  view.append(h('h1', {}, signup ? 'Create your account' : 'Log in'), form,
    h('p', {}, signup ? 'Have an account? ' : 'New here? ',
      h('a', { href: `#/${signup ? 'login' : 'signup'}?next=${encodeURIComponent(next)}` }, signup ? 'Log in' : 'Create an account')));
}

function renderWho() {
  const who = document.getElementById('who');
  const s = session();
  if (!s) {
    who.replaceChildren(h('a', { href: '#/login?next=' + encodeURIComponent(location.hash || '#/search') }, 'Log in'),
      ' · ', h('a', { href: '#/signup' }, 'Sign up'));
    return;
  }
  who.replaceChildren(h('span', { class: 'me' }, s.name || s.email || 'Signed in'), ' ',
    h('button', { type: 'button', class: 'link', onclick: () => { setSession(null); go('#/search'); } }, 'Log out'));
}

window.addEventListener('hashchange', () => { renderWho(); render(); });
window.addEventListener('slotmesh:session', renderWho);
renderWho();
render();
