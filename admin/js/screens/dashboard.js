// Totals vs targets, by kecamatan, category and status, contributions and what expires soon:
// Chart.js charts over GET /v1/programmes/{pid}/summary (kept up to date from the table's stream,
// one read; "Perbarui" asks for a recount from every record, the repair).
import { categoryLabel, ctx, districtName, districts } from '../context.js';
import * as bulk from '../endpoints/bulk.js';
import * as reminders from '../endpoints/reminders.js';
import { enumLabel, number, t } from '../i18n.js';
import { errorBox, h } from '../ui.js';

const charts = [];
const LIVE = ['submitted', 'active'];

export async function render(main, params = {}) {
  charts.splice(0).forEach((c) => c.destroy());
  const p = ctx.programme;
  await districts();
  let s;
  let rules;
  let budget;
  try {
    [s, rules, budget] = await Promise.all([bulk.summary(p.id, params.refresh), reminders.rules(p.id), reminders.renewalBudget(p.id)]);
  } catch (e) { main.replaceChildren(errorBox(e)); return; }
  // "Expiring soon": live members once the programme's first reminder (e.g. H-45) is due.
  const reminderWindow = Math.max(0, ...rules.rules.map((r) => r.days_before));

  // Targets are set per group (pekerja_desa) or per ungrouped category; a target on a category
  // inside a group would count its members twice in the total, so the total uses the top level.
  const top = new Set(p.categories.map((c) => c.group || c.code));
  const topTargets = Object.entries(s.targets || {}).filter(([k]) => top.has(k));
  const target = topTargets.reduce((n, [, v]) => n + v.target, 0);
  const reached = topTargets.reduce((n, [, v]) => n + v.actual, 0);
  const live = LIVE.reduce((n, k) => n + (s.by_status?.[k] || 0), 0);
  const daysLeft = Math.ceil((Date.parse(p.coverage_end) - Date.now()) / 86400e3);
  const expiring = daysLeft >= 0 && daysLeft <= reminderWindow ? live : 0;
  const kpi = (id, l, v, cls = '') => h('div', { class: `kpi ${cls}`, 'data-kpi': id }, h('div', { class: 'v' }, v), h('div', { class: 'l' }, l));
  // The canvases are this render's own: a render that finished after the user moved on draws
  // into its detached view, never into the current one.
  const canvas = { category: h('canvas', { id: 'chart-category' }), district: h('canvas', { id: 'chart-district' }), status: h('canvas', { id: 'chart-status' }) };
  const refresh = h('button', { id: 'summary-refresh', onclick: () => render(main, { refresh: true }) }, t('dash.refresh'));
  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', { style: 'margin:0;flex:1' }, `${t('dash.title')} — ${p.name}`),
      h('span', { class: 'muted', id: 'summary-at', 'data-source': s.source }, t('dash.computedAt', new Date(s.computed_at).toLocaleString(), t(`dash.${s.source}`))), refresh),
    h('div', { class: 'kpis' },
      kpi('total', t('dash.total'), number(s.total)),
      kpi('target', t('dash.target'), number(target)),
      kpi('progress', t('dash.progress'), target ? `${Math.round((100 * reached) / target)}%` : '—'),
      kpi('contribution', t('dash.contribution'), `Rp ${number(s.contribution_idr_total)}`),
      kpi('days', t('dash.daysLeft'), daysLeft >= 0 ? number(daysLeft) : '0'),
      kpi('expiring', t('dash.expiring'), number(expiring), expiring ? 'warn' : ''),
      kpi('budget', t('dash.budget'), `Rp ${number(budget.total_idr)}`, budget.renewed ? '' : 'warn')),
    h('div', { class: 'charts' },
      h('div', { class: 'card' }, h('h2', {}, t('dash.byCategory')), canvas.category),
      h('div', { class: 'card' }, h('h2', {}, t('dash.byDistrict')), canvas.district),
      h('div', { class: 'card' }, h('h2', {}, t('dash.byStatus')), canvas.status)),
    h('p', { class: 'muted', id: 'summary-notes' },
      t('dash.contributionNote', number(s.monthly_contribution_idr), s.months), ' · ',
      `${t('dash.expiring')}: ${t('dash.expiringNote', p.coverage_end, reminderWindow)}`),
    h('p', { class: 'muted', id: 'budget-note', 'data-renewed': String(budget.renewed) },
      t('dash.budgetNote', number(budget.live_members), budget.months, number(budget.rate_idr), number(budget.total_idr),
        budget.funder || '—', t(budget.renewed ? 'dash.renewed' : 'dash.notRenewed'))),
    (budget.by_funder || []).length ? h('p', { class: 'muted', id: 'budget-by-funder' },
      t('dash.byFunder', budget.fiscal_year), ' ',
      budget.by_funder.map((f) => t('dash.funderTotal', f.funder || '—', number(f.total_idr), f.programmes,
        number(f.live_members))).join(' · ')) : '');

  const Chart = window.Chart;
  // Enrolled vs target per target key (group or category), then categories without a target.
  const groups = { ...s.by_group };
  for (const c of p.categories) if (!c.group && s.by_category[c.code]) groups[c.code] = s.by_category[c.code];
  const keys = [...new Set([...Object.keys(s.targets || {}).filter((k) => top.has(k)), ...Object.keys(groups)])];
  charts.push(new Chart(canvas.category, {
    type: 'bar', options: opts(),
    data: { labels: keys.map(categoryTitle(p)), datasets: [
      { label: t('dash.actual'), data: keys.map((k) => s.targets?.[k]?.actual ?? groups[k] ?? 0), backgroundColor: '#0b6e4f' },
      { label: t('dash.target'), data: keys.map((k) => s.targets?.[k]?.target || 0), backgroundColor: '#c8d6cf' }] },
  }));
  const byDistrict = Object.entries(s.by_district || {}).sort((a, b) => b[1] - a[1]);
  charts.push(new Chart(canvas.district, {
    type: 'bar', options: { ...opts(), indexAxis: 'y', plugins: { legend: { display: false } } },
    data: { labels: byDistrict.map(([k]) => districtName(k)), datasets: [{ label: t('dash.actual'), data: byDistrict.map(([, v]) => v), backgroundColor: '#2f8f6f' }] },
  }));
  const byStatus = Object.entries(s.by_status || {});
  charts.push(new Chart(canvas.status, {
    type: 'doughnut', options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'right' } } },
    data: { labels: byStatus.map(([k]) => enumLabel('status', k)), datasets: [{ data: byStatus.map(([, v]) => v),
      backgroundColor: byStatus.map(([k]) => STATUS_COLOURS[k] || '#7b8794') }] },
  }));
}

const STATUS_COLOURS = { draft: '#9aa5b1', submitted: '#f0b429', active: '#0b6e4f', expired: '#b44d12', renewed: '#3ebd93',
  rejected: '#b3261e', withdrawn: '#7b8794', deceased: '#1f2933' };
const opts = () => ({ responsive: true, maintainAspectRatio: false, animation: false, scales: { x: { ticks: { autoSkip: false } } } });
const categoryTitle = (p) => (k) => (p.categories.find((c) => c.code === k) ? categoryLabel(k)
  : k.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()));  // a group: pekerja_desa -> Pekerja Desa
