// Boot, sign-in state, navigation and the programme picker. Screens live in screens/*.js and
// each exports render(main, params).
import { get, session, setConfig } from './api.js';
import { ctx, loadProgrammes, useProgramme } from './context.js';
import { currentLang, setLang, t } from './i18n.js';
import { loadOpenApi } from './schema.js';
import { errorBox, h } from './ui.js';

const ROUTES = [
  [/^#\/login$/, 'login'],
  [/^#\/dashboard$/, 'dashboard'],
  [/^#\/programmes$/, 'programmes'],
  [/^#\/programmes\/new$/, 'programmes', () => ({ mode: 'new' })],
  [/^#\/enrolments$/, 'enrolments'],
  [/^#\/enrolments\/new$/, 'enrolment', () => ({ id: null })],
  [/^#\/enrolments\/([^/]+)$/, 'enrolment', (m) => ({ id: m[1] })],
  [/^#\/imports$/, 'imports'],
  [/^#\/reminders$/, 'reminders'],
  [/^#\/renew$/, 'renew'],
];
const NAV = ['dashboard', 'enrolments', 'imports', 'reminders', 'programmes', 'renew'];
const ADMIN_ONLY = new Set(['imports', 'renew']);  // the API answers 403 to anyone else
const NOT_FOR_OFFICERS = new Set(['dashboard']);  // the summary is regency-wide: officers get 403
/** Where a role starts: officers on their villages' Peserta, everyone else on the dashboard. */
export const home = () => (ctx.me?.role === 'officer' ? '#/enrolments' : '#/dashboard');

async function boot() {
  setLang(currentLang());
  const config = await fetch('config.json').then((r) => r.json()).catch(() => ({}));
  setConfig({ api_base: '', auth: { mode: 'local' }, ...config });
  document.getElementById('lang').onclick = () => { setLang(currentLang() === 'id' ? 'en' : 'id'); chrome(); route(); };
  document.getElementById('logout').onclick = () => { session.token = null; ctx.me = null; location.hash = '#/login'; };
  document.getElementById('programme-picker').onchange = (e) => {
    useProgramme(ctx.programmes.find((p) => p.id === e.target.value));
    route();
  };
  window.addEventListener('hashchange', route);
  window.addEventListener('lindung:unauthenticated', () => { session.token = null; ctx.me = null; location.hash = '#/login'; });
  window.addEventListener('lindung:programme', chrome);
  await loadOpenApi();
  route();
}

/** After sign-in: who am I, which programmes exist. */
export async function signedIn() {
  ctx.me = await get('/v1/me');
  await loadProgrammes();
  chrome();
}

function chrome() {
  const hash = location.hash || '#/dashboard';
  const nav = document.getElementById('nav');
  const mine = NAV.filter((n) => (ctx.me?.role === 'admin' || !ADMIN_ONLY.has(n))
    && !(ctx.me?.role === 'officer' && NOT_FOR_OFFICERS.has(n)));
  nav.replaceChildren(...(ctx.me ? mine.map((n) => h('a', { href: `#/${n}`, class: hash.startsWith(`#/${n}`) ? 'active' : '', 'data-nav': n }, t(`nav.${n}`))) : []));
  const picker = document.getElementById('programme-picker');
  picker.hidden = !ctx.me || !ctx.programmes.length;
  picker.replaceChildren(...ctx.programmes.map((p) => h('option', { value: p.id, selected: p.id === ctx.programme?.id }, `${p.code} — ${p.name}`)));
  document.getElementById('lang').textContent = t('lang.switch');
  document.getElementById('who').textContent = ctx.me ? `${t(`role.${ctx.me.role}`)} · ${ctx.me.name || ctx.me.sub}` : '';
  const logout = document.getElementById('logout');
  logout.hidden = !ctx.me;
  logout.textContent = t('logout');
}

async function route() {
  const main = document.getElementById('screen');
  const hash = location.hash || '#/dashboard';
  if (!ctx.me && session.token) {
    try { await signedIn(); } catch { session.token = null; }
  }
  if (!ctx.me && hash !== '#/login') { location.hash = '#/login'; return; }
  if (ctx.me && !ctx.programme && !['#/programmes', '#/programmes/new', '#/login'].includes(hash)) { location.hash = '#/programmes/new'; return; }
  if (ctx.me?.role === 'officer' && (!location.hash || hash === '#/dashboard')) { location.hash = home(); return; }
  let name = 'dashboard';
  let params = {};
  for (const [re, n, p] of ROUTES) {
    const m = hash.match(re);
    if (m) { name = n; params = p ? p(m) : {}; break; }
  }
  chrome();
  // Each navigation renders into its own element: a slower screen still loading from an earlier
  // navigation then writes into a detached node instead of over the current one.
  const view = h('div', { class: 'view' }, h('p', { class: 'muted' }, t('loading')));
  main.replaceChildren(view);
  delete main.dataset.route;
  try {
    const screen = await import(`./screens/${name}.js`);
    await screen.render(view, params);
  } catch (err) {
    console.error(err);
    view.replaceChildren(errorBox(err));
  }
  if (view.isConnected) Object.assign(main.dataset, { screen: name, route: hash });
}

boot();
