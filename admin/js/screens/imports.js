// Import a roster (CSV/XLSX): upload (presigned S3 upload above 5 MB), live progress from
// GET /v1/imports/{id} while the SQS worker plans and writes chunks, the rejected rows with the
// API's reasons and line numbers, and the error report (the API's full CSV when it offers one,
// else a CSV built here from the rows it returned).
import { ctx, villages } from '../context.js';
import * as bulk from '../endpoints/bulk.js';
import { label, number, t } from '../i18n.js';
import { csv, download, errorBox, h } from '../ui.js';

const COUNTS = ['total', 'processed', 'accepted', 'rejected', 'already_enrolled'];
const KPJ_COUNTS = ['total', 'processed', 'activated', 'already_active', 'not_found', 'conflicts', 'rejected'];
const SHOWN = 200;

export async function render(main) {
  await villages();
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.xlsx,text/csv' });
  const status = h('div', { id: 'import-status' });
  const kind = h('select', { id: 'import-kind', onchange: () => { help.textContent = helpText(); } },
    ['roster', 'kpj'].map((k) => h('option', { value: k }, t(`import.kind.${k}`))));
  const help = h('p', { class: 'muted', id: 'import-help' });
  const helpText = () => (kind.value === 'kpj' ? t('import.kpjHelp') : `${t('import.help')} ${t('import.templateHelp')}`);
  help.textContent = helpText();
  const upload = h('button', { class: 'primary', id: 'import-upload', onclick: () => start() }, t('import.upload'));
  // The API's XLSX template: headers, Text columns and drop-downs the importer reads as they are.
  const template = h('button', { id: 'import-template', onclick: () => getTemplate() }, t('import.template'));
  main.replaceChildren(h('h1', {}, `${t('import.title')} — ${ctx.programme.code}`),
    h('section', { class: 'card' }, h('label', {}, t('import.kind'), ' ', kind),
      h('label', { for: 'import-file' }, t('import.file')), h('div', { class: 'toolbar' }, file, upload, template), help),
    status, submitCard());

  async function getTemplate() {
    template.disabled = true;
    try {
      const { blob, filename } = await bulk.importTemplate(ctx.programme.id);
      download(filename || `templat-impor-${ctx.programme.code}.xlsx`, blob);
    } catch (e) {
      status.replaceChildren(errorBox(e, label));
    } finally { template.disabled = false; }
  }

  async function start() {
    const chosen = file.files[0];
    if (!chosen) return;
    upload.disabled = true;
    status.replaceChildren(h('p', { class: 'muted' }, t('import.uploading', chosen.name)));
    try {
      const { import_id: id } = await bulk.startImport(ctx.programme.id, chosen, kind.value);
      await poll(id);
    } catch (e) {
      status.replaceChildren(errorBox(e, label));
    } finally { upload.disabled = false; }
  }

  /** Ajukan ke BPJS: every draft of the programme, or of one village; progress until done. */
  function submitCard() {
    const village = h('select', { id: 'submit-village' }, h('option', { value: '' }, t('submit.all')),
      ctx.villages.map((v) => h('option', { value: v.code }, `${v.name} (${v.district})`)));
    const out = h('div', { id: 'submit-status' });
    const go = h('button', { class: 'primary', id: 'submit-bpjs', onclick: async () => {
      const name = village.value ? village.selectedOptions[0].textContent : ctx.programme.code;
      if (!window.confirm(t('submit.confirm', name))) return;
      go.disabled = true;
      out.replaceChildren();
      try {
        let job = await bulk.submit(ctx.programme.id, village.value ? { village_code: village.value } : {});
        while (job.status !== 'done' && main.isConnected) {
          out.replaceChildren(h('p', { class: 'muted', 'data-status': job.status }, t('submit.running', number(job.submitted))));
          await new Promise((r) => setTimeout(r, 700));
          job = await bulk.submission(job.submission_id);
        }
        out.replaceChildren(h('div', { class: 'alert ok', id: 'submit-result', 'data-status': job.status },
          t('submit.done', number(job.submitted), number(job.skipped))));
      } catch (e) {
        out.replaceChildren(errorBox(e, label));
      } finally { go.disabled = false; }
    } }, t('submit.go'));
    return h('section', { class: 'card', id: 'submit-card' }, h('h2', {}, t('submit.title')),
      h('p', { class: 'muted' }, t('submit.help')), h('div', { class: 'toolbar' }, h('label', {}, t('submit.village'), ' ', village), go), out);
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
    const counts = job.kind === 'kpj' ? KPJ_COUNTS : COUNTS;
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
      h('div', { class: 'kpis', style: `grid-template-columns:repeat(${counts.length},1fr);margin-top:8px` }, counts.map((k) =>
        h('div', { class: `kpi ${k === 'rejected' && job[k] ? 'warn' : ''}`, 'data-count': k }, h('div', { class: 'v' }, number(job[k])), h('div', { class: 'l' }, t(`import.${k}`))))),
      job.failure ? errorBox(job.failure, label) : null,
      job.ignored_columns?.length ? h('p', { class: 'muted', id: 'import-ignored' }, t('import.ignored', job.ignored_columns.join(', '))) : null,
      errors.length ? h('div', {},
        h('div', { class: 'toolbar' }, report, h('span', { class: 'muted' }, t('import.errorCount', number(job.error_count), number(job.rejected)),
          partial || errors.length > SHOWN ? ` · ${t('import.errorsShown', number(Math.min(errors.length, SHOWN)))}` : '')),
        h('table', { class: 'plain', id: 'import-errors' },
          h('tr', {}, ['row', 'column', 'code', 'message'].map((k) => h('th', {}, t(`import.${k}`)))),
          errors.slice(0, SHOWN).map((e) => h('tr', { 'data-row': e.row }, h('td', {}, e.row), h('td', {}, e.column || label(e.field || '')),
            h('td', {}, e.code), h('td', {}, e.message))))) : null));
  }
}
