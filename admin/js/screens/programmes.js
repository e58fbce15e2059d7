// Programmes: the list, a new programme, and the chosen one's details, categories and targets,
// all edited as data in forms built from the API's schemas (ProgrammeIn / ProgrammePatch).
import { post, request } from '../api.js';
import { ctx, loadProgrammes, useProgramme } from '../context.js';
import { fieldsEditor } from '../fields.js';
import { changes, FormError, schemaForm } from '../form.js';
import { dateText, label, number, t } from '../i18n.js';
import { requestSchema } from '../schema.js';
import { errorBox, flash, h } from '../ui.js';

export async function render(main, { mode }) {
  const isAdmin = ctx.me.role === 'admin';
  const list = h('table', { class: 'plain', id: 'programme-list' },
    h('tr', {}, ['code', 'name', 'coverage_start', 'coverage_end', 'monthly_contribution_idr'].map((f) => h('th', {}, label(f))), h('th')),
    ctx.programmes.map((p) => h('tr', { 'data-id': p.id },
      h('td', {}, p.code), h('td', {}, p.name), h('td', {}, dateText(p.coverage_start)), h('td', {}, dateText(p.coverage_end)),
      h('td', {}, number(p.monthly_contribution_idr)),
      h('td', {}, p.id === ctx.programme?.id ? h('span', { class: 'badge' }, '✓')
        : h('button', { onclick: () => { useProgramme(p); render(main, {}); } }, t('programmes.use'))))));
  const newButton = isAdmin ? h('a', { class: 'button', href: '#/programmes/new' }, t('programmes.new')) : null;
  main.replaceChildren(h('h1', {}, t('programmes.title')), h('div', { class: 'toolbar' }, newButton),
    ctx.programmes.length ? list : h('p', { class: 'muted' }, t('programme.none')));
  if (mode === 'new' || !ctx.programmes.length) {
    if (isAdmin) main.append(createForm(main));
  } else if (ctx.programme && isAdmin) {
    const again = async () => { await loadProgrammes(); await render(main, {}); };
    main.append(editForm(main), await fieldsEditor(main, again), targetsForm(main));
  }
}

function createForm(main) {
  const schema = requestSchema('POST', '/v1/programmes');
  const holder = h('div');
  const error = h('div');
  const template = ctx.programmes[0];  // a new period usually looks like the last one
  const form = schemaForm(holder, schema, { omit: ['targets'], value: template ? { categories: template.categories, benefits: template.benefits,
    monthly_contribution_idr: template.monthly_contribution_idr, funder: template.funder, legal_basis: template.legal_basis } : {} });
  const save = h('button', { class: 'primary', id: 'create-programme', onclick: async () => {
    error.replaceChildren();
    try {
      const created = await post('/v1/programmes', form.value());
      await loadProgrammes();
      useProgramme(ctx.programmes.find((p) => p.id === created.id));
      flash(t('programmes.created'));
      location.hash = '#/programmes';
    } catch (e) { error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields); }
  } }, t('programmes.create'));
  return h('section', { class: 'card', id: 'programme-new' }, h('h2', {}, t('programmes.new')), error, holder,
    h('p', { class: 'muted' }, t('programmes.targetsLater')), save);
}

function editForm(main) {
  const p = ctx.programme;
  const schema = requestSchema('PATCH', '/v1/programmes/{pid}');
  const holder = h('div');
  const error = h('div');
  const form = schemaForm(holder, schema, { value: p, omit: ['targets'] });
  const save = h('button', { class: 'primary', id: 'save-programme', onclick: () => patch(main, error, form, () => changes(p, form.raw())) }, t('enrol.save'));
  return h('section', { class: 'card', id: 'programme-edit' }, h('h2', {}, `${t('programmes.edit')}: ${p.code}`), error, holder, save);
}

/** Targets: one number per category and per group, the keys coming from the categories (data). */
function targetsForm(main) {
  const p = ctx.programme;
  const keys = [...new Set([...p.categories.map((c) => c.group).filter(Boolean), ...p.categories.map((c) => c.code)])];
  const titles = Object.fromEntries(p.categories.map((c) => [c.code, c.label]));
  const schema = { type: 'object', properties: Object.fromEntries(keys.map((k) => [k,
    { type: 'integer', minimum: 0, title: titles[k] ? `${titles[k]} (${k})` : `${k} (kelompok)` }])) };
  const holder = h('div');
  const error = h('div');
  const form = schemaForm(holder, schema, { value: p.targets });
  const save = h('button', { class: 'primary', id: 'save-targets', onclick: () => patch(main, error, form, () => {
    // Blank fields mean "no target here" (JSON Editor gives '' or NaN for an empty number input);
    // anything else that is not a whole number is refused on its field, never silently dropped.
    const entries = Object.entries(form.raw()).filter(([, v]) => v !== '' && v !== null && v !== undefined && !Number.isNaN(v));
    const wrong = entries.filter(([, v]) => !(Number.isInteger(Number(v)) && Number(v) >= 0));
    if (wrong.length) throw new FormError('TARGET_INVALID', t('programmes.targets'), Object.fromEntries(wrong.map(([k]) => [k, t('programmes.targetInvalid')])));
    return { targets: Object.fromEntries(entries.map(([k, v]) => [k, Number(v)]).filter(([, v]) => v > 0)) };
  }) }, t('programmes.saveTargets'));
  return h('section', { class: 'card', id: 'programme-targets' }, h('h2', {}, t('programmes.targets')), error, holder, save);
}

/** body: the PATCH body, or a function making it (it may throw a FormError: shown like the API's). */
async function patch(main, error, form, body) {
  error.replaceChildren();
  try {
    if (typeof body === 'function') body = body();
    await request('PATCH', `/v1/programmes/${ctx.programme.id}`, { json: body, headers: { 'If-Match': String(ctx.programme.version) } });
    await loadProgrammes();
    flash(t('programmes.saved'));
    render(main, {});
  } catch (e) { error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields); }
}
