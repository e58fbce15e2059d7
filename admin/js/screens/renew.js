// Programme renewal: the next period's programme is created at once (202; 200 if this period
// exists already) and live members are carried over in the background by the lifecycle queue.
// The screen shows every renewal of the programme with its progress until it is done.
import { ctx, loadProgrammes, useProgramme } from '../context.js';
import * as bulk from '../endpoints/bulk.js';
import * as reminders from '../endpoints/reminders.js';
import { schemaForm } from '../form.js';
import { label, number, t } from '../i18n.js';
import { requestSchema } from '../schema.js';
import { errorBox, flash, h } from '../ui.js';

export async function render(main) {
  const p = ctx.programme;
  const isAdmin = ctx.me.role === 'admin';
  const schema = requestSchema('POST', reminders.RENEW);
  // The next period: from the day after this one ends, as many calendar months as this one.
  const [s, e] = [new Date(p.coverage_start), new Date(p.coverage_end)];
  const start = new Date(e.getTime() + 86400e3);
  const months = (e.getUTCFullYear() - s.getUTCFullYear()) * 12 + e.getUTCMonth() - s.getUTCMonth() + 1;
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 0));  // day 0: last of the month before
  const value = { coverage_start: iso(start), coverage_end: iso(end), rate: p.monthly_contribution_idr };
  const holder = h('div');
  const error = h('div');
  const list = h('div', { id: 'renewals' });
  const form = schemaForm(holder, schema, { value });
  const submit = h('button', { class: 'primary', id: 'renew-submit', onclick: async () => {
    error.replaceChildren();
    if (form.validate().length) return;
    try {
      const { status, renewal } = await reminders.renew(p.id, form.value());
      flash(t(status === 202 ? 'renew.done' : 'renew.exists', renewal.programme.code));
      await loadProgrammes();
      await track();
    } catch (e) { error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields); }
  } }, t('renew.submit'));
  main.replaceChildren(h('h1', {}, `${t('renew.title')} — ${p.code}`),
    h('div', { class: 'row' },
      isAdmin ? h('section', { class: 'card grow', id: 'renew' }, h('p', {}, t('renew.explain')), error, holder, submit) : null,
      h('section', { class: 'card grow' }, h('h2', {}, t('renew.progress')), list)));

  // Members of the old programme (all statuses): what carried + already + excluded adds up to.
  let total = null;
  async function track() {
    if (total === null) total = (await bulk.summary(p.id, true)).total;
    for (;;) {
      const { items } = await reminders.renewals(p.id);
      if (!list.isConnected) return;
      list.replaceChildren(items.length ? h('div', {}, items.map((r) => renewalCard(r, total))) : h('p', { class: 'muted' }, t('renew.none')));
      if (!items.some((r) => r.status === 'carrying')) return;
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  }
  await track();
}

function renewalCard(r, total) {
  const handled = r.carried + r.already + r.excluded;
  const max = Math.max(total || 0, handled, 1);
  const open = h('button', { class: 'primary', 'data-open': r.programme.id, onclick: async () => {
    await loadProgrammes();
    useProgramme(ctx.programmes.find((x) => x.id === r.programme.id) || ctx.programme);
    location.hash = '#/dashboard';
  } }, t('renew.open'));
  return h('div', { class: 'renewal', 'data-status': r.status, 'data-programme': r.programme.id },
    h('p', {}, h('b', {}, r.programme.code), ` — ${r.programme.name}`, h('br'),
      h('span', { class: 'muted' }, `${r.programme.coverage_start} – ${r.programme.coverage_end} · Rp ${number(r.programme.monthly_contribution_idr)}/bulan`)),
    h('div', { class: 'progress-row' }, h('progress', { max, value: r.status === 'done' ? max : handled }),
      h('span', {}, t(`renew.status.${r.status}`))),
    h('table', { class: 'plain' }, ['carried', 'already', 'excluded'].map((k) =>
      h('tr', { 'data-key': k }, h('th', {}, t(`renew.${k}`)), h('td', {}, number(r[k]))))),
    open);
}

const iso = (d) => d.toISOString().slice(0, 10);
