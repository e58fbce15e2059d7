// Import a roster (CSV/XLSX): upload (presigned S3 upload above 5 MB), live progress from
// GET /v1/imports/{id} while the SQS worker plans and writes chunks, the rejected rows with the
// API's reasons and line numbers, and the error report (the API's full CSV when it offers one,
// else a CSV built here from the rows it returned).
import { ctx } from '../context.js';
import * as bulk from '../endpoints/bulk.js';
import { label, number, t } from '../i18n.js';
import { requestSchema } from '../schema.js';
import { csv, download, errorBox, h } from '../ui.js';

const COUNTS = ['total', 'processed', 'accepted', 'rejected', 'already_enrolled'];
const SHOWN = 200;

export async function render(main) {
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.xlsx,text/csv' });
  const status = h('div', { id: 'import-status' });
  const upload = h('button', { class: 'primary', id: 'import-upload', onclick: () => start() }, t('import.upload'));
  // The sample file's header row is the enrolment schema's own field list (the importer also
  // takes the Indonesian names the export writes: nama, tanggal_lahir, kode_desa, ...).
  const fields = Object.keys(requestSchema('POST', '/v1/programmes/{pid}/enrolments')?.properties || {});
  const sample = h('button', { id: 'import-template', onclick: () => download('contoh-impor.csv', new Blob([csv([fields])], { type: 'text/csv' })) }, t('import.template'));
  main.replaceChildren(h('h1', {}, `${t('import.title')} — ${ctx.programme.code}`),
    h('section', { class: 'card' }, h('label', { for: 'import-file' }, t('import.file')), h('div', { class: 'toolbar' }, file, upload, sample),
      h('p', { class: 'muted' }, t('import.help'))),
    status);

  async function start() {
    const chosen = file.files[0];
    if (!chosen) return;
    upload.disabled = true;
    status.replaceChildren(h('p', { class: 'muted' }, t('import.uploading', chosen.name)));
    try {
      const { import_id: id } = await bulk.startImport(ctx.programme.id, chosen);
      await poll(id);
    } catch (e) {
      status.replaceChildren(errorBox(e, label));
    } finally { upload.disabled = false; }
  }

  async function poll(id) {
    for (;;) {
      const job = await bulk.importStatus(id);
      if (!main.isConnected) return;  // navigated away: stop polling
      show(job);
      if (job.status === 'done' || job.status === 'failed') return;
      await new Promise((r) => setTimeout(r, 700));
    }
  }

  function show(job) {
    const errors = job.errors || [];
    const partial = job.error_count > errors.length;
    const report = job.error_report_url
      ? h('a', { class: 'button', id: 'import-report', href: job.error_report_url, download: `kesalahan-impor-${job.import_id}.csv` }, t('import.report'))
      : h('button', { id: 'import-report', onclick: () => download(`kesalahan-impor-${job.import_id}.csv`, new Blob(['\ufeff', csv([
        ['row', 'column', 'field', 'code', 'message'], ...errors.map((e) => [e.row, e.column, e.field, e.code, e.message])])], { type: 'text/csv' })) }, t('import.report'));
    const pct = job.total ? Math.round((100 * job.processed) / job.total) : (job.status === 'done' ? 100 : 0);
    status.replaceChildren(h('section', { class: 'card', 'data-status': job.status, 'data-import': job.import_id },
      h('p', {}, `${t('import.status')}: `, h('b', { id: 'import-state' }, t(`import.${job.status}`)),
        job.filename ? ` · ${job.filename}` : '', job.format ? ` (${job.format.toUpperCase()})` : ''),
      h('div', { class: 'progress-row' },
        h('progress', { id: 'import-progress', max: job.total || 1, value: job.status === 'done' && !job.total ? 1 : job.processed || 0 }),
        h('span', { id: 'import-percent' }, `${pct}%`)),
      h('div', { class: 'kpis', style: 'grid-template-columns:repeat(5,1fr);margin-top:8px' }, COUNTS.map((k) =>
        h('div', { class: `kpi ${k === 'rejected' && job[k] ? 'warn' : ''}`, 'data-count': k }, h('div', { class: 'v' }, number(job[k])), h('div', { class: 'l' }, t(`import.${k}`))))),
      job.failure ? errorBox(job.failure, label) : null,
      job.ignored_columns?.length ? h('p', { class: 'muted', id: 'import-ignored' }, t('import.ignored', job.ignored_columns.join(', '))) : null,
      errors.length ? h('div', {},
        h('div', { class: 'toolbar' }, report, h('span', { class: 'muted' }, t('import.errorCount', number(job.error_count)),
          partial || errors.length > SHOWN ? ` · ${t('import.errorsShown', number(Math.min(errors.length, SHOWN)))}` : '')),
        h('table', { class: 'plain', id: 'import-errors' },
          h('tr', {}, ['row', 'column', 'code', 'message'].map((k) => h('th', {}, t(`import.${k}`)))),
          errors.slice(0, SHOWN).map((e) => h('tr', { 'data-row': e.row }, h('td', {}, e.row), h('td', {}, e.column || label(e.field || '')),
            h('td', {}, e.code), h('td', {}, e.message))))) : null));
  }
}
