// Reminder rules and message templates, edited as data in a form built from the PUT route's
// schema; a preview of each template for a sample member; a dry-run of the next sweep.
import { get } from '../api.js';
import { ctx } from '../context.js';
import * as pending from '../endpoints/pending.js';
import { schemaForm } from '../form.js';
import { label, t } from '../i18n.js';
import { hasRoute, requestSchema } from '../schema.js';
import { errorBox, flash, h, missingBox, today } from '../ui.js';

export async function render(main) {
  const pid = ctx.programme.id;
  const rulesBox = h('section', { class: 'card grow', id: 'rules' });
  const previewBox = h('section', { class: 'card', id: 'preview', style: 'width:460px' }, h('h2', {}, t('rem.preview')));
  const dryBox = h('section', { class: 'card', id: 'dryrun' });
  main.replaceChildren(h('h1', {}, `${t('rem.title')} — ${ctx.programme.code}`), h('div', { class: 'row' }, rulesBox, previewBox), dryBox);
  renderDryRun(dryBox);

  let rules;
  try { rules = await pending.reminderRules(pid); } catch (e) {
    rulesBox.replaceChildren(e.routeMissing ? missingBox(e) : errorBox(e));
    return;
  }
  const schema = requestSchema('PUT', pending.REMINDER_RULES);
  const holder = h('div');
  const error = h('div');
  const form = schemaForm(holder, schema, { value: rules });
  const sample = (await get(`/v1/programmes/${pid}/enrolments`, { limit: 1 })).items[0] || SAMPLE(ctx.programme);
  const previews = h('div', { id: 'previews' });
  previewBox.append(h('p', { class: 'muted' }, `${t('rem.sample')}: ${sample.name}`), previews);
  const refresh = () => renderPreviews(previews, form.raw(), sample, pid);
  form.ready.then(() => { refresh(); form.editor.on('change', refresh); });
  const save = h('button', { class: 'primary', id: 'save-rules', onclick: async () => {
    error.replaceChildren();
    try { await pending.saveReminderRules(pid, form.value()); flash(t('rem.saved')); } catch (e) {
      error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields);
    }
  } }, t('rem.save'));
  rulesBox.replaceChildren(h('h2', {}, t('rem.title')), error, holder, save);
}

const SAMPLE = (p) => ({ name: 'Siti Aminah', nik: '1603015708900001', phone: '081234567890', village_code: '16.03.01.2011',
  category: p.categories[0]?.code, coverage_end: p.coverage_end, programme_name: p.name });

/** Every template-like string in the rules (key mentions template/message/text/body). */
function templates(value, path = []) {
  if (typeof value === 'string') return /template|message|text|body|pesan/i.test(path.join('.')) ? [[path.join('.'), value]] : [];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => templates(v, [...path, k]));
  return [];
}

async function renderPreviews(box, rules, sample, pid) {
  const items = templates(rules);
  const server = hasRoute('POST', `${pending.REMINDER_RULES}/preview`);
  const rendered = await Promise.all(items.map(async ([path, text]) => {
    if (server) {
      try { return [path, (await pending.previewReminder(pid, { template: text, enrolment_id: sample.id })).text]; } catch (e) { return [path, e.message]; }
    }
    return [path, fill(text, sample)];
  }));
  box.replaceChildren(...rendered.map(([path, text]) => h('div', { 'data-template': path }, h('b', {}, path),
    h('div', { class: 'preview' }, text), h('small', { class: 'muted' }, t('rem.chars', text.length, Math.max(1, Math.ceil(text.length / 153)))))));
}

/** {name} or {{name}} placeholders filled from the sample (the server's own preview wins when it exists). */
const fill = (text, data) => text.replace(/\{\{?\s*(\w+)\s*\}?\}/g, (m, k) => (data[k] ?? ctx.programme[k] ?? m));

function renderDryRun(box) {
  const asOf = h('input', { type: 'date', id: 'dryrun-as-of', value: today() });
  const result = h('div', { id: 'dryrun-result' });
  const run = h('button', { id: 'dryrun-run', onclick: async () => {
    result.replaceChildren(t('loading'));
    try {
      const r = await pending.runReminders({ as_of: asOf.value, dry_run: true });
      result.replaceChildren(h('table', { class: 'plain' }, Object.entries(r).filter(([, v]) => typeof v !== 'object').map(([k, v]) =>
        h('tr', { 'data-key': k }, h('th', {}, label(k)), h('td', {}, typeof v === 'number' ? v.toLocaleString('id-ID') : String(v))))));
    } catch (e) { result.replaceChildren(e.routeMissing ? missingBox(e) : errorBox(e, label)); }
  } }, t('rem.run'));
  box.replaceChildren(h('h2', {}, t('rem.dryrun')), h('div', { class: 'toolbar' }, h('label', {}, t('rem.asOf'), asOf), run), result);
}
