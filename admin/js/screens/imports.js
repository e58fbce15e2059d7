// Import a roster (CSV/XLSX): upload, live progress from GET /v1/imports/{id}, the rejected
// rows with the API's reasons, and a downloadable error report.
import { ctx } from '../context.js';
import * as pending from '../endpoints/pending.js';
import { label, number, t } from '../i18n.js';
import { requestSchema } from '../schema.js';
import { csv, download, errorBox, h, missingBox } from '../ui.js';

const COUNTS = ['total', 'processed', 'accepted', 'rejected', 'already_enrolled'];

export async function render(main) {
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.xlsx,text/csv' });
  const status = h('div', { id: 'import-status' });
  const upload = h('button', { class: 'primary', id: 'import-upload', onclick: () => start() }, t('import.upload'));
  // The sample file's header row is the enrolment schema's own field list.
  const fields = Object.keys(requestSchema('POST', '/v1/programmes/{pid}/enrolments')?.properties || {});
  const sample = h('button', { id: 'import-template', onclick: () => download('contoh-impor.csv', new Blob([csv([fields])], { type: 'text/csv' })) }, t('import.template'));
  main.replaceChildren(h('h1', {}, `${t('import.title')} — ${ctx.programme.code}`),
    h('section', { class: 'card' }, h('label', { for: 'import-file' }, t('import.file')), h('div', { class: 'toolbar' }, file, upload, sample)),
    status);

  async function start() {
    if (!file.files[0]) return;
    upload.disabled = true;
    status.replaceChildren(h('p', { class: 'muted' }, t('loading')));
    try {
      const { import_id: id } = await pending.startImport(ctx.programme.id, file.files[0]);
      await poll(id);
    } catch (e) {
      status.replaceChildren(e.routeMissing ? missingBox(e) : errorBox(e, label));
    } finally { upload.disabled = false; }
  }

  async function poll(id) {
    for (;;) {
      const job = await pending.importStatus(id);
      show(job);
      if (job.status === 'done' || job.status === 'failed') return;
      await new Promise((r) => setTimeout(r, 700));
    }
  }

  function show(job) {
    const errors = job.errors || [];
    const report = () => download(`laporan-impor-${job.import_id || 'x'}.csv`, new Blob([csv([
      [t('import.row'), t('import.field'), t('import.code'), t('import.message')], ...errors.map((e) => [e.row, e.field, e.code, e.message])])], { type: 'text/csv' }));
    status.replaceChildren(h('section', { class: 'card', 'data-status': job.status },
      h('p', {}, `${t('import.status')}: `, h('b', { id: 'import-state' }, t(`import.${job.status}`))),
      h('progress', { id: 'import-progress', max: job.total || 1, value: job.processed || 0 }),
      h('div', { class: 'kpis', style: 'grid-template-columns:repeat(5,1fr);margin-top:8px' }, COUNTS.map((k) =>
        h('div', { class: 'kpi', 'data-count': k }, h('div', { class: 'v' }, number(job[k])), h('div', { class: 'l' }, t(`import.${k}`))))),
      errors.length ? h('div', {},
        h('button', { id: 'import-report', onclick: report }, t('import.report')),
        h('table', { class: 'plain', id: 'import-errors', style: 'margin-top:8px' },
          h('tr', {}, ['row', 'field', 'code', 'message'].map((k) => h('th', {}, t(`import.${k}`)))),
          errors.slice(0, 200).map((e) => h('tr', {}, h('td', {}, e.row), h('td', {}, label(e.field || '')), h('td', {}, e.code), h('td', {}, e.message))))) : null));
  }
}
