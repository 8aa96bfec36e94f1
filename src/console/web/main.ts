/**
 * The steward console: sign-in, review queue, person view and search, routed by the URL
 * hash (`#/queue`, `#/queue/{taskId}`, `#/person/{personId}`, `#/search?q=`). No data is in
 * the page: every view reads the REST API with the steward's bearer token.
 */
import { setUnauthorizedHandler } from './api.js';
import { announce, clearError, navigate, nextRoute, showError, type View } from './app.js';
import { byId, h, mount } from './dom.js';
import { session } from './session.js';
import { renderLogin } from './views/login.js';
import { PersonView } from './views/person.js';
import { QueueView } from './views/queue.js';
import { SearchView } from './views/search.js';

const main = byId('main');
const nav = byId('nav');
const quick = byId<HTMLFormElement>('quick-search');
const quickInput = byId<HTMLInputElement>('quick-search-input');
const sessionBox = byId('session');
const shortcuts = byId('shortcuts');
let view: View | null = null;

function setSignedIn(signedIn: boolean): void {
  nav.hidden = !signedIn;
  quick.hidden = !signedIn;
  sessionBox.hidden = !signedIn;
  shortcuts.hidden = !signedIn;
  const who = session.who();
  const exp = session.expiresAt();
  byId('session-who').textContent = signedIn && who ? `Signed in as ${who}${exp ? ` until ${new Date(exp).toLocaleTimeString()}` : ''}` : '';
}

function markNav(name: string): void {
  for (const a of nav.querySelectorAll<HTMLAnchorElement>('a[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route(): Promise<void> {
  const hash = location.hash || '#/queue';
  nextRoute();
  view = null;
  if (!session.token()) {
    setSignedIn(false);
    markNav('');
    renderLogin(main);
    return;
  }
  setSignedIn(true);
  const [path, query = ''] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'person' && parts[1]) {
      markNav('');
      document.title = 'Person · Steward console';
      const v = new PersonView(main, parts[1]);
      view = v;
      await v.render();
    } else if (parts[0] === 'search') {
      markNav('search');
      document.title = 'Search · Steward console';
      const q = new URLSearchParams(query).get('q') ?? '';
      quickInput.value = q;
      const v = new SearchView(main, q);
      view = v;
      await v.render();
    } else {
      markNav('queue');
      document.title = 'Review queue · Steward console';
      const v = new QueueView(main, parts[0] === 'queue' ? parts[1] : undefined);
      view = v;
      await v.render();
    }
  } catch (e) {
    mount(main, h('p', { className: 'empty' }, 'Something went wrong.'));
    showError(e);
  }
}

setUnauthorizedHandler(() => {
  session.clear();
  setSignedIn(false);
  view = null;
  renderLogin(main, 'Your session ended (the token expired or was refused). Sign in again.');
});

byId('sign-out').addEventListener('click', () => {
  session.clear();
  clearError();
  announce('Signed out');
  navigate('#/login');
});

quick.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = quickInput.value.trim();
  if (q) navigate(`#/search?q=${encodeURIComponent(q)}`);
});

quickInput.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') quickInput.blur();
});

/** Single-key shortcuts, never while typing in a field or with a modifier held. */
document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
  const t = e.target as HTMLElement | null;
  if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
  if (!session.token()) return;
  if (e.key === '/') {
    e.preventDefault();
    quickInput.focus();
    quickInput.select();
    return;
  }
  if (view?.onKey?.(e.key, e)) e.preventDefault();
});

window.addEventListener('hashchange', () => {
  clearError();
  void route();
});
void route();
