// Totals vs targets, by kecamatan, category and status, and what expires soon: Chart.js charts
// over GET /v1/programmes/{pid}/summary (computed in the browser until that route exists).
import { get } from '../api.js';
import { categoryLabel, ctx, districtName, districts } from '../context.js';
import * as pending from '../endpoints/pending.js';
import { enumLabel, number, t } from '../i18n.js';
import { errorBox, h } from '../ui.js';

const charts = [];
const LIVE = ['submitted', 'active'];

export async function render(main) {
  charts.splice(0).forEach((c) => c.destroy());
  const p = ctx.programme;
  await districts();
  let summary;
  let note = null;
  try {
    summary = await pending.summary(p.id);
  } catch (e) {
    if (!e.routeMissing) { main.replaceChildren(errorBox(e)); return; }
    summary = await summariseInBrowser(p.id);
    note = h('div', { class: 'alert info', id: 'summary-fallback' }, t('dash.fallback', number(summary.total)));
  }
  const targets = p.targets || {};
  const targetTotal = topLevelTargets(p).reduce((s, k) => s + (targets[k] || 0), 0);
  const live = LIVE.reduce((s, k) => s + (summary.by_status?.[k] || 0), 0);
  const daysLeft = Math.ceil((Date.parse(p.coverage_end) - Date.now()) / 86400e3);
  const expiring = daysLeft >= 0 && daysLeft <= 45 ? live : 0;
  const contribution = summary.contribution_idr_total ?? live * months(p) * p.monthly_contribution_idr;
  const kpi = (id, l, v, cls = '') => h('div', { class: `kpi ${cls}`, 'data-kpi': id }, h('div', { class: 'v' }, v), h('div', { class: 'l' }, l));
  const canvas = (id) => h('canvas', { id });
  main.replaceChildren(
    h('h1', {}, `${t('dash.title')} — ${p.name}`), note,
    h('div', { class: 'kpis' },
      kpi('total', t('dash.total'), number(summary.total)),
      kpi('target', t('dash.target'), number(targetTotal)),
      kpi('progress', t('dash.progress'), targetTotal ? `${Math.round((100 * summary.total) / targetTotal)}%` : '—'),
      kpi('contribution', t('dash.contribution'), number(contribution)),
      kpi('days', t('dash.daysLeft'), daysLeft >= 0 ? number(daysLeft) : '0'),
      kpi('expiring', t('dash.expiring'), number(expiring), expiring ? 'warn' : '')),
    h('div', { class: 'charts' },
      h('div', { class: 'card' }, h('h2', {}, t('dash.byCategory')), canvas('chart-category')),
      h('div', { class: 'card' }, h('h2', {}, t('dash.byDistrict')), canvas('chart-district')),
      h('div', { class: 'card' }, h('h2', {}, t('dash.byStatus')), canvas('chart-status'))),
    h('p', { class: 'muted' }, `${t('dash.expiring')}: ${t('dash.expiringNote', p.coverage_end)}`));

  const Chart = window.Chart;
  const byCat = summary.by_category || {};
  const groups = groupTotals(p, byCat);
  const keys = [...new Set([...Object.keys(groups), ...Object.keys(targets)])].filter((k) => groups[k] !== undefined || targets[k]);
  charts.push(new Chart(document.getElementById('chart-category'), {
    type: 'bar', options: opts(),
    data: { labels: keys.map(categoryTitle(p)), datasets: [
      { label: t('dash.actual'), data: keys.map((k) => groups[k] || 0), backgroundColor: '#0b6e4f' },
      { label: t('dash.target'), data: keys.map((k) => targets[k] || 0), backgroundColor: '#c8d6cf' }] },
  }));
  const byDistrict = Object.entries(summary.by_district || {}).sort((a, b) => b[1] - a[1]);
  charts.push(new Chart(document.getElementById('chart-district'), {
    type: 'bar', options: { ...opts(), indexAxis: 'y', plugins: { legend: { display: false } } },
    data: { labels: byDistrict.map(([k]) => districtName(k)), datasets: [{ label: t('dash.actual'), data: byDistrict.map(([, v]) => v), backgroundColor: '#2f8f6f' }] },
  }));
  const byStatus = Object.entries(summary.by_status || {});
  charts.push(new Chart(document.getElementById('chart-status'), {
    type: 'doughnut', options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'right' } } },
    data: { labels: byStatus.map(([k]) => enumLabel('status', k)), datasets: [{ data: byStatus.map(([, v]) => v),
      backgroundColor: ['#9aa5b1', '#f0b429', '#0b6e4f', '#b44d12', '#3ebd93', '#b3261e', '#7b8794', '#1f2933'] }] },
  }));
}

const opts = () => ({ responsive: true, maintainAspectRatio: false, animation: false, scales: { x: { ticks: { autoSkip: false } } } });
const months = (p) => { const [a, b] = [new Date(p.coverage_start), new Date(p.coverage_end)]; return (b.getFullYear() - a.getFullYear()) * 12 + b.getMonth() - a.getMonth() + 1; };
const categoryTitle = (p) => (k) => (p.categories.find((c) => c.code === k) ? categoryLabel(k) : k.replace(/_/g, ' '));

/** Targets are set per group where groups exist: count categories into their group. */
function groupTotals(p, byCat) {
  const out = {};
  for (const [code, n] of Object.entries(byCat)) {
    const key = p.categories.find((c) => c.code === code)?.group || code;
    out[key] = (out[key] || 0) + n;
  }
  return out;
}
function topLevelTargets(p) {
  const groups = new Set(p.categories.map((c) => c.group || c.code));
  return Object.keys(p.targets || {}).filter((k) => groups.has(k));
}

/** Until the summary route is merged: count pages of the enrolment list (capped). */
async function summariseInBrowser(pid) {
  const s = { total: 0, by_category: {}, by_district: {}, by_village: {}, by_status: {} };
  let cursor = null;
  let pages = 0;
  do {
    const page = await get(`/v1/programmes/${pid}/enrolments`, { limit: 500, cursor });
    for (const e of page.items) {
      s.total += 1;
      for (const [k, v] of [['by_category', e.category], ['by_district', e.district_code], ['by_village', e.village_code], ['by_status', e.status]]) s[k][v] = (s[k][v] || 0) + 1;
    }
    cursor = page.next_cursor;
    pages += 1;
  } while (cursor && pages < 40);
  return s;
}
