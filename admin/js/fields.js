// A programme's own fields (GET|PUT /v1/programmes/{pid}/fields): the editor on the Program
// screen, and what the other screens take from it — the JSON Schema of `extra` for forms, the
// active definitions for grid columns and filters. Nothing here knows any particular field.
import { get, request } from './api.js';
import { ctx } from './context.js';
import { currentLang, t } from './i18n.js';
import { requestSchema } from './schema.js';
import { errorBox, flash, h } from './ui.js';

const cache = new Map();

/** {fields, removed_fields, version, extra_schema} of a programme (cached per version). */
export async function programmeFields(pid = ctx.programme?.id, force = false) {
  const version = ctx.programmes.find((p) => p.id === pid)?.version;
  const key = `${pid}@${version}`;
  if (force || !cache.has(key)) cache.set(key, await get(`/v1/programmes/${pid}/fields`));
  return cache.get(key);
}

export const fieldLabel = (d) => (currentLang() === 'en' && d.label?.en) || d.label?.id || d.key;

/** The enrolment form's `extra`: the published schema, each property titled in the UI's language. */
export function extraFormSchema(info) {
  const props = {};
  for (const d of info.fields) {
    const p = { ...info.extra_schema.properties[d.key], title: fieldLabel(d) + (d.required ? ' *' : '') };
    if (p.type === 'boolean') Object.assign(p, { type: 'string', enum: ['', 'true', 'false'], options: { enum_titles: ['—', t('yes'), t('no')] } });
    if (p.enum && p.type === 'string' && !p.enum.includes('')) { p.enum = ['', ...p.enum]; p.options = { enum_titles: [t('none'), ...info.extra_schema.properties[d.key].enum] }; }
    if (p.type === 'number' || p.type === 'integer') p.type = 'string';  // typed as people write it ("2,5"); the API parses
    delete p.minimum; delete p.maximum; delete p.maxLength; delete p.pattern;
    props[d.key] = p;
  }
  // defaultProperties: JSON Editor shows an optional property only when the value has it
  return { type: 'object', title: t('fields.extra'), properties: props, defaultProperties: Object.keys(props) };
}

/** The form's extra values -> what the API takes (booleans back to true/false, blanks dropped). */
function fromForm(values = {}) {
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === '' || v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    out[k] = v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}

/** A form's start value: every active field (JSON Editor drops properties the value lacks),
 * stored values as the inputs show them; retired fields' values stay out of the form. */
export function toForm(info, extra = {}) {
  return Object.fromEntries(info.fields.map((d) => {
    const v = extra[d.key];
    return [d.key, v === undefined || v === null ? '' : typeof v === 'boolean' || typeof v === 'number' ? String(v) : v];
  }));
}

/** A create's extra: only what was filled in. */
export const extraForCreate = (values) => fromForm(values);

/** A patch's extra: only the keys that changed; a cleared value becomes null. */
export function extraChanges(before = {}, values = {}) {
  const after = fromForm(values);
  const out = {};
  for (const key of Object.keys(values)) {
    const old = before[key] ?? null;
    const now = after[key] ?? null;
    if (String(old ?? '') !== String(now ?? '')) out[key] = now;
  }
  return out;
}

// ---------- the editor (Program screen) ----------
export async function fieldsEditor(main, rerender) {
  const p = ctx.programme;
  const info = await programmeFields(p.id, true);
  const types = requestSchema('PUT', '/v1/programmes/{pid}/fields')?.properties?.fields?.items?.properties?.type?.enum
    || ['text', 'number', 'integer', 'date', 'choice', 'boolean'];
  const list = h('div', { id: 'field-list' });
  const error = h('div');
  const rows = [];

  function add(d = { key: '', label: { id: '' }, type: 'text' }) {
    const input = (name, value, attrs = {}) => h('input', { 'data-attr': name, value: value ?? '', ...attrs });
    const cats = h('select', { 'data-attr': 'categories', multiple: true, size: Math.min(4, p.categories.length) },
      p.categories.map((c) => h('option', { value: c.code, selected: (d.categories || []).includes(c.code) }, c.label)));
    const node = h('fieldset', { class: 'card field-def', 'data-key': d.key || '' },
      h('div', { class: 'row' },
        h('label', {}, t('fields.key'), input('key', d.key, { placeholder: 'luas_kebun_ha', pattern: '^[a-z][a-z0-9_]{1,39}$' })),
        h('label', {}, t('fields.labelId'), input('label.id', d.label?.id)),
        h('label', {}, t('fields.labelEn'), input('label.en', d.label?.en)),
        h('label', {}, t('fields.type'), h('select', { 'data-attr': 'type' }, types.map((v) => h('option', { value: v, selected: v === d.type }, t(`fields.type.${v}`))))),
        h('label', {}, h('input', { type: 'checkbox', 'data-attr': 'required', checked: Boolean(d.required) }), ' ', t('fields.required'))),
      h('div', { class: 'row' },
        h('label', {}, t('fields.min'), input('min', d.min, { size: 10 })),
        h('label', {}, t('fields.max'), input('max', d.max, { size: 10 })),
        h('label', {}, t('fields.choices'), input('choices', (d.choices || []).join('; '), { size: 30 })),
        h('label', {}, t('fields.pattern'), input('pattern', d.pattern, { size: 14 })),
        h('label', {}, t('fields.categories'), cats),
        h('label', {}, t('fields.help'), input('help.id', d.help?.id, { size: 30 })),
        h('button', { type: 'button', class: 'remove-field', onclick: () => { rows.splice(rows.indexOf(node), 1); node.remove(); } }, t('fields.remove'))));
    rows.push(node);
    list.append(node);
    return node;
  }

  function read(node) {
    const val = (name) => node.querySelector(`[data-attr="${name}"]`);
    const text = (name) => val(name).value.trim();
    const d = { key: text('key'), label: { id: text('label.id') }, type: val('type').value };
    if (text('label.en')) d.label.en = text('label.en');
    if (val('required').checked) d.required = true;
    for (const bound of ['min', 'max']) {
      const raw = text(bound).replace(',', '.');
      if (raw) d[bound] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : text(bound);
    }
    const choices = text('choices').split(/[;\n]/).map((c) => c.trim()).filter(Boolean);
    if (choices.length) d.choices = choices;
    if (text('pattern')) d.pattern = text('pattern');
    const cats = [...val('categories').selectedOptions].map((o) => o.value);
    if (cats.length) d.categories = cats;
    if (text('help.id')) d.help = { id: text('help.id') };
    return d;
  }

  async function save() {
    error.replaceChildren();
    list.querySelectorAll('.server-error').forEach((n) => n.remove());
    try {
      await request('PUT', `/v1/programmes/${p.id}/fields`, { json: { fields: rows.map(read) }, headers: { 'If-Match': String(info.version) } });
      flash(t('fields.saved'));
      await rerender();
    } catch (e) {
      error.replaceChildren(errorBox(e));
      for (const [path, message] of Object.entries(e.fields || {})) {  // fields.<i>.<attr>
        const [, i, attr] = path.split('.');
        const target = rows[Number(i)]?.querySelector(`[data-attr^="${attr}"]`);
        if (target) target.after(h('div', { class: 'errmsg server-error', 'data-error-for': path }, message));
      }
    }
  }

  info.fields.forEach(add);
  const retired = info.removed_fields.length ? h('div', { id: 'removed-fields', class: 'muted' }, t('fields.retired'), ' ',
    info.removed_fields.map((d) => h('button', { type: 'button', 'data-restore': d.key, onclick: (ev) => { add({ ...d, removed: undefined }); ev.target.remove(); } },
      `${fieldLabel(d)} (${d.key}) ↺`))) : null;
  return h('section', { class: 'card', id: 'programme-fields' }, h('h2', {}, t('fields.title')),
    h('p', { class: 'muted' }, t('fields.help.text')), error, list, retired,
    h('div', { class: 'toolbar' }, h('button', { type: 'button', id: 'add-field', onclick: () => add() }, t('fields.add')),
      h('button', { type: 'button', class: 'primary', id: 'save-fields', onclick: save }, t('fields.save'))));
}
