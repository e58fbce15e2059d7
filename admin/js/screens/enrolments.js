// The enrolment grid: Tabulator for the table, columns and filters read from the API's schema
// (EnrolmentOut and the list route's query parameters); server-side filters and search,
// opaque-cursor paging, bulk status change, and export.
import { TabulatorFull as Tabulator } from '../../vendor/tabulator.mjs';
import { get, request } from '../api.js';
import { categoryChoices, categoryLabel, ctx, districtName, districts, villageName, villages } from '../context.js';
import * as files from '../endpoints/bulk.js';
import { fieldLabel, programmeFields } from '../fields.js';
import { currentLang, enumLabel, label, number, t } from '../i18n.js';
import { listItemSchema, queryParams } from '../schema.js';
import { download, errorBox, h } from '../ui.js';

const LIST = '/v1/programmes/{pid}/enrolments';
/** Shown on demand only; any other field, including one added to the API later, is a column. */
const HIDDEN = new Set(['id', 'programme_id', 'version', 'created_by', 'updated_by', 'created_at', 'coverage_start',
  'coverage_end', 'rejection_reason', 'birth_date', 'extra']);  // extra: one column per field instead
const PAGING = new Set(['limit', 'cursor']);

export async function render(main) {
  const pid = ctx.programme.id;
  const [, , info] = await Promise.all([districts(), villages(), programmeFields(pid)]);
  const itemSchema = listItemSchema('GET', LIST);
  const params = queryParams('GET', LIST).filter((p) => !PAGING.has(p.name));
  const state = { cursors: [null], page: 0, next: null, limit: 50, filters: {} };
  const message = h('div');

  // ----- filters, built from the route's query parameters -----
  const inputs = {};
  const filterBar = h('form', { class: 'toolbar', id: 'filters', onsubmit: (e) => { e.preventDefault(); apply(); } },
    params.filter((p) => p.name !== 'extra').map((p) => h('label', {}, label(p.name, p.schema), inputs[p.name] = filterInput(p))),
    extraFilters(),
    h('label', {}, t('grid.perPage'), inputs.limit = h('select', { name: 'limit' }, [25, 50, 100, 200].map((n) => h('option', { value: n, selected: n === 50 }, n)))),
    h('button', { class: 'primary', type: 'submit', id: 'apply-filters' }, t('grid.apply')),
    h('button', { type: 'button', onclick: () => { filterBar.reset(); apply(); } }, t('grid.reset')));
  if (inputs.district_code && inputs.village_code) inputs.district_code.addEventListener('change', () => fillVillages(inputs.village_code, inputs.district_code.value));

  // ----- the grid -----
  const gridEl = h('div', { id: 'grid' });
  const columns = Object.entries(itemSchema.properties).map(([name, prop]) => column(name, prop));
  // The programme's own fields (its published schema): one column each, after the fixed ones.
  columns.push(...info.fields.map((d) => extraColumn(d, info.extra_schema.properties[d.key])));
  const table = new Tabulator(gridEl, {
    height: 'calc(100vh - 215px)', layout: 'fitDataFill', index: 'id', placeholder: t('grid.empty'), selectableRows: true,
    rowHeader: { formatter: 'rowSelection', titleFormatter: 'rowSelection', headerSort: false, resizable: false, frozen: true, width: 36, hozAlign: 'center' },
    columns, columnDefaults: { headerSort: false, maxWidth: 260 }, locale: currentLang(),
  });
  const selectedInfo = h('span', { class: 'muted', id: 'selected-count' }, t('grid.selected', 0));
  const submitSelected = h('button', { id: 'submit-selected', disabled: true, onclick: () => submitRows() }, t('submit.selected'));
  table.on('rowSelectionChanged', (data) => {
    selectedInfo.textContent = t('grid.selected', data.length);
    submitSelected.disabled = !data.length;
  });

  // ----- paging -----
  const pageInfo = h('span', { id: 'page-info' });
  const prev = h('button', { id: 'prev-page', onclick: () => { state.page -= 1; load(); } }, t('grid.prev'));
  const next = h('button', { id: 'next-page', onclick: () => { state.cursors[state.page + 1] = state.next; state.page += 1; load(); } }, t('grid.next'));

  // ----- bulk status change and export -----
  const statuses = itemSchema.properties.status?.enum || [];
  const bulkStatus = h('select', { id: 'bulk-status' }, statuses.map((s) => h('option', { value: s }, enumLabel('status', s))));
  const bulk = h('button', { id: 'bulk-apply', onclick: () => bulkChange(bulkStatus.value) }, t('grid.bulkApply'));
  const canWrite = ctx.me.role !== 'viewer';
  const canExport = ctx.me.role !== 'officer';  // the export is the whole roster: admins and viewers only
  const isAdmin = ctx.me.role === 'admin';
  const exportBtn = (format) => h('button', { 'data-export': format, title: t('grid.exportAll'), onclick: () => exportAs(format) }, `${t('grid.export')} ${format.toUpperCase()}`);

  main.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', { style: 'margin:0;flex:1' }, `${t('grid.title')} — ${ctx.programme.code}`),
      canWrite ? h('a', { class: 'button primary', href: '#/enrolments/new' }, t('grid.new')) : null,
      canExport ? exportBtn('csv') : null, canExport ? exportBtn('xlsx') : null, isAdmin ? submitSelected : null),
    filterBar, message, gridEl,
    h('div', { class: 'pager' }, prev, pageInfo, next, h('span', { style: 'flex:1' }), selectedInfo,
      canWrite ? h('label', {}, t('grid.bulkStatus'), ' ', bulkStatus) : null, canWrite ? bulk : null));

  await new Promise((resolve) => table.on('tableBuilt', resolve));
  await load();

  /** A filter per choice and yes/no field of the programme; the API takes one `extra=<key>:<value>`. */
  function extraFilters() {
    return info.fields.filter((d) => d.type === 'choice' || d.type === 'boolean').map((d) => h('label', {}, fieldLabel(d),
      inputs[`extra.${d.key}`] = h('select', { name: `extra.${d.key}`, 'data-extra': d.key }, h('option', { value: '' }, t('grid.any')),
        (d.type === 'choice' ? d.choices : ['true', 'false']).map((v) => h('option', { value: v }, v === 'true' ? t('yes') : v === 'false' ? t('no') : v)))));
  }

  function filterInput(p) {
    const any = h('option', { value: '' }, t('grid.any'));
    if (p.name === 'incomplete') return h('select', { name: p.name }, any, h('option', { value: 'true' }, t('grid.incomplete')), h('option', { value: 'false' }, t('grid.complete')));
    if (p.name === 'district_code') return h('select', { name: p.name }, any, ctx.districts.map((d) => h('option', { value: d.code }, d.name)));
    if (p.name === 'village_code') { const s = h('select', { name: p.name }); fillVillages(s, ''); return s; }
    if (p.name === 'category') return h('select', { name: p.name }, any, categoryChoices().map((c) => h('option', { value: c.value }, c.title)));
    if (p.schema.enum) return h('select', { name: p.name }, any, p.schema.enum.map((v) => h('option', { value: v }, enumLabel(p.name, v))));
    return h('input', { name: p.name, type: p.schema.type === 'integer' ? 'number' : 'search', placeholder: p.name === 'q' ? t('grid.search') : '' });
  }

  function fillVillages(select, district) {
    const list = ctx.villages.filter((v) => !district || v.code.startsWith(district + '.'));
    select.replaceChildren(h('option', { value: '' }, t('grid.any')), list.map((v) => h('option', { value: v.code }, district ? v.name : `${v.name} (${v.district})`)));
  }

  function apply() {
    state.filters = Object.fromEntries(params.filter((p) => inputs[p.name]).map((p) => [p.name, inputs[p.name].value.trim()]).filter(([, v]) => v));
    const extra = Object.entries(inputs).find(([k, el]) => k.startsWith('extra.') && el.value);
    if (extra) state.filters.extra = `${extra[0].slice(6)}:${extra[1].value}`;
    state.limit = Number(inputs.limit.value);
    state.cursors = [null]; state.page = 0;
    load();
  }

  async function load() {
    message.replaceChildren();
    try {
      const data = await get(`/v1/programmes/${pid}/enrolments`, { ...state.filters, limit: state.limit, cursor: state.cursors[state.page] });
      state.next = data.next_cursor;
      await table.replaceData(data.items);
      table.deselectRow();
    } catch (e) {
      state.next = null;
      await table.replaceData([]);
      message.replaceChildren(errorBox(e, label));
    }
    prev.disabled = state.page === 0;
    next.disabled = !state.next;
    pageInfo.textContent = t('grid.page', state.page + 1);
  }

  async function bulkChange(status) {
    const rows = table.getSelectedData();
    if (!rows.length || bulk.disabled) return;
    const failures = [];
    bulk.disabled = true;  // one bulk change at a time: a second click would PATCH with stale versions
    const progress = h('div', { class: 'alert', id: 'bulk-progress' });
    message.replaceChildren(progress);
    try {
      for (const [i, row] of rows.entries()) {
        progress.textContent = t('grid.bulkProgress', i + 1, rows.length);
        try {
          await request('PATCH', `/v1/enrolments/${row.id}`, { json: { status }, headers: { 'If-Match': String(row.version) } });
        } catch (e) { failures.push([row, e]); }
      }
      await load();
    } finally { bulk.disabled = false; }
    const summary = t('grid.bulkDone', rows.length - failures.length, failures.length);
    if (failures.length) {
      message.replaceChildren(h('div', { class: 'alert error', id: 'bulk-result' }, summary,
        h('ul', {}, failures.map(([row, e]) => h('li', {}, `${row.name}: ${Object.values(e.fields)[0] || e.message}`)))));
    } else {
      message.replaceChildren(h('div', { class: 'alert ok', id: 'bulk-result' }, summary));
    }
  }

  /** Ajukan ke BPJS for the selected rows (drafts among them become submitted; the rest stay). */
  async function submitRows() {
    const ids = table.getSelectedData().map((r) => r.id);
    if (!ids.length) return;
    submitSelected.disabled = true;
    try {
      let job = await files.submit(pid, { ids });
      while (job.status !== 'done' && main.isConnected) {
        message.replaceChildren(h('div', { class: 'alert', id: 'submit-progress' }, t('submit.running', job.submitted)));
        await new Promise((r) => setTimeout(r, 700));
        job = await files.submission(job.submission_id);
      }
      await load();
      message.replaceChildren(h('div', { class: 'alert ok', id: 'submit-result' }, t('submit.done', job.submitted, job.skipped)));
    } catch (e) {
      message.replaceChildren(errorBox(e, label));
    } finally { submitSelected.disabled = !table.getSelectedData().length; }
  }

  /** The whole roster (the export takes no filters): the branch's bulk registration file. */
  async function exportAs(format) {
    message.replaceChildren();
    const button = main.querySelector(`[data-export=${format}]`);
    button.disabled = true;
    try {
      const file = await files.exportFile(pid, format);
      if (file.url) window.location.assign(file.url);  // large roster: a presigned S3 link
      else download(file.filename || `peserta-${ctx.programme.code}.${format}`, file.blob);
    } catch (e) {
      message.replaceChildren(errorBox(e));
    } finally { button.disabled = false; }
  }
}

function extraColumn(d, prop = {}) {
  const col = { title: fieldLabel(d), field: `extra.${d.key}`, visible: true };
  if (prop.type === 'boolean') col.formatter = (cell) => (cell.getValue() === undefined ? '' : cell.getValue() ? t('yes') : t('no'));
  else if (prop.type === 'number') col.formatter = (cell) => escape(cell.getValue() === undefined ? '' : number(cell.getValue()));
  else col.formatter = (cell) => escape(cell.getValue() ?? '');  // a choice removed since still shows its stored value
  return col;
}

function column(name, prop) {
  const col = { title: label(name, prop), field: name, visible: !HIDDEN.has(name) };
  if (name === 'name') col.formatter = (cell) => `<a href="#/enrolments/${cell.getRow().getData().id}">${escape(cell.getValue())}</a>`;
  else if (name === 'village_code') col.formatter = (cell) => escape(villageName(cell.getValue()));
  else if (name === 'district_code') col.formatter = (cell) => escape(districtName(cell.getValue()));
  else if (name === 'category') col.formatter = (cell) => escape(categoryLabel(cell.getValue()));
  else if (prop.enum) col.formatter = (cell) => escape(cell.getValue() ? enumLabel(name, cell.getValue()) : '');
  else if (name === 'incomplete') col.formatter = (cell) => ((cell.getValue() || []).length ? `<span class="badge warn" data-incomplete>${escape(t('grid.incomplete'))}</span>` : '');
  else if (prop.type === 'array') col.formatter = (cell) => escape((cell.getValue() || []).join(', '));
  else if (prop.type === 'object') col.formatter = (cell) => escape(Object.keys(cell.getValue() || {}).join(', '));  // e.g. documents: ktp, consent
  return col;
}

const escape = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
