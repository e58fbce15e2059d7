// Forms from JSON Schema with JSON Editor (@json-editor/json-editor). Every property of the
// schema becomes an input; labels come from i18n with the schema title as fallback, and the
// API's own field messages are shown on the fields they name.
import { currentLang, dateShort, enumLabel, label, maybe, t } from './i18n.js';
import { h } from './ui.js';

const JE = () => window.JSONEditor;
let configured = false;
function configure() {
  if (configured) return;
  configured = true;
  JE().defaults.languages.id = {
    error_notset: 'wajib diisi', error_minLength: 'minimal {{0}} karakter', error_maxLength: 'maksimal {{0}} karakter',
    error_pattern: 'format tidak sesuai', error_enum: 'pilih salah satu nilai', error_minimum_incl: 'minimal {{0}}',
    error_maximum_incl: 'maksimal {{0}}', error_type: 'tipe tidak sesuai', error_minItems: 'minimal {{0}} isian',
    button_add_row_title: 'Tambah {{0}}', button_delete_row_title: 'Hapus', button_delete_last_title: 'Hapus terakhir',
    button_delete_all_title: 'Hapus semua', button_move_up_title: 'Naik', button_move_down_title: 'Turun', button_collapse: 'Tutup',
    button_expand: 'Buka', error_date: 'tanggal harus berformat YYYY-MM-DD', button_delete_row_title_short: 'Hapus',
    button_add: 'Tambah', button_copy_row_title_short: 'Salin',
  };
}

/**
 * schemaForm(holder, schema, {value, enums, omit, readonly})
 *   enums: {field: [{value, title}]}  data-driven choices (categories, villages) for a field
 *   omit:  fields not to render (e.g. ones the route ignores); readonly: shown, not editable
 */
export function schemaForm(holder, schema, { value = {}, enums = {}, omit = [], readonly = [] } = {}) {
  configure();
  const required = new Set(schema.required || []);
  const properties = {};
  for (const [name, prop] of Object.entries(schema.properties || {})) {
    if (omit.includes(name)) continue;
    properties[name] = fieldSchema(name, prop, required.has(name), enums[name], readonly.includes(name));
  }
  const formSchema = { type: 'object', title: ' ', properties, required: [...required].filter((n) => properties[n]),
    format: 'grid-strict', options: { disable_collapse: true, disable_edit_json: true, disable_properties: true } };
  holder.classList.add('form-holder');
  holder.replaceChildren();
  const startval = {};
  // Dates are typed and shown as dd/mm/yyyy (how DPMD staff write them), whatever the browser's
  // locale; the API gets ISO dates (toIsoDates), a wrong one is refused here, on its field.
  const dates = Object.entries(schema.properties || {}).filter(([n, p]) => properties[n] && p.format === 'date').map(([n]) => n);
  for (const [name, prop] of Object.entries(properties)) {
    const v = value[name] ?? prop.default;
    // Every property gets a value: JSON Editor drops optional properties missing from startval.
    startval[name] = v !== undefined && v !== null ? (dates.includes(name) ? dateShort(v) : v) : empty(prop);
  }
  JE().defaults.language = currentLang() === 'id' ? 'id' : 'en';
  const editor = new (JE())(holder, {
    schema: formSchema, startval, theme: 'html', iconlib: null, show_errors: 'never', disable_collapse: true,
    disable_edit_json: true, disable_properties: true, disable_array_reorder: true, disable_array_delete_all_rows: true,
    disable_array_delete_last_row: true, prompt_before_delete: false, use_default_values: false, no_additional_properties: true,
  });
  const ready = new Promise((resolve) => editor.on('ready', resolve));
  ready.then(() => {
    for (const name of Object.keys(properties)) {
      const input = holder.querySelector(`[name="root[${name}]"]`);
      if (input) input.dataset.field = name;
      if (readonly.includes(name)) editor.getEditor(`root.${name}`)?.disable();
    }
  });
  return {
    editor, ready,
    /** The value without empty optional fields (what a create should send). Throws a FormError
     * naming the fields when a date is not dd/mm/yyyy (callers show it as they show the API's). */
    value() { return clean(toIsoDates(editor.getValue(), dates), schema); },
    raw() { return toIsoDates(editor.getValue(), dates); },
    /** Client-side check before sending; the API still has the last word. */
    validate() { const errors = editor.validate(); if (errors.length) editor.setOption('show_errors', 'always'); return errors; },
    /** Show the API's {field: message} on the fields. */
    showServerErrors(fields = {}) {
      holder.querySelectorAll('.server-error').forEach((n) => n.remove());
      for (const [field, message] of Object.entries(fields || {})) {
        // The most specific control the field names: templates.sms, else templates, ...
        const parts = field.split('.');
        let control = null;
        let name = field;
        while (parts.length && !control) {
          name = parts.join('.');
          control = holder.querySelector(`[data-schemapath="root.${name}"]`);
          parts.pop();
        }
        if (control) control.append(h('div', { class: 'errmsg server-error', 'data-error-for': name }, message));
      }
    },
    destroy() { editor.destroy(); },
  };
}

// An empty number is '' too: JSON Editor shows null as the text "null" and then fails its own type
// check; '' leaves the box blank and, untouched, reads back as unset (clean() drops it).
const empty = (prop) => (prop.type === 'array' ? [] : prop.type === 'object' ? {} : '');

/** A form's own refusal, shaped like an API error so the same errorBox/showServerErrors show it. */
export class FormError extends Error {
  constructor(code, message, fields) { super(message); this.code = code; this.fields = fields; this.status = 422; }
}

/** 'dd/mm/yyyy' (or an ISO date, as pasted) -> 'yyyy-mm-dd'; '' stays ''; anything else -> null. */
export function isoDate(text) {
  const value = String(text ?? '').trim();
  if (!value) return '';
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value) || (/^(\d{4})-(\d{2})-(\d{2})$/.test(value)
    ? [null, value.slice(8, 10), value.slice(5, 7), value.slice(0, 4)] : null);
  if (!m) return null;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

function toIsoDates(value, dates) {
  if (!dates.length) return value;
  const out = { ...value };
  const wrong = {};
  for (const name of dates) {
    const iso = isoDate(out[name]);
    if (iso === null) wrong[name] = t('form.dateInvalid');
    else out[name] = iso;
  }
  if (Object.keys(wrong).length) throw new FormError('DATE_INVALID', t('form.dateInvalidTitle'), wrong);
  return out;
}

function fieldSchema(name, prop, required, choices, readonly) {
  const s = { ...prop, title: label(name, prop) };
  delete s.nullable;
  // Help text in the reader's language: a translation (help.<field>) or, in English only, the
  // schema's own description (English API text must not show up in an Indonesian form).
  const help = maybe(`help.${name}`);
  if (help) s.description = help;
  else if (prop.description && currentLang() === 'en') s.description = prop.description;
  if (choices) {
    s.type = 'string';
    s.enum = [...(required ? [] : ['']), ...choices.map((c) => c.value)];
    s.options = { enum_titles: [...(required ? [] : [t('none')]), ...choices.map((c) => c.title)] };
    delete s.pattern;
  } else if (prop.enum) {
    s.enum = [...(required ? [] : ['']), ...prop.enum];
    s.options = { enum_titles: [...(required ? [] : [t('none')]), ...prop.enum.map((v) => enumLabel(name, v))] };
  } else if (prop.type === 'array' && prop.items?.enum) {
    s.format = 'checkbox'; s.uniqueItems = true;
    s.items = { ...prop.items, type: 'string', options: { enum_titles: prop.items.enum.map((v) => enumLabel(name, v)) } };
  } else if (prop.type === 'array' && prop.items?.type === 'object') {
    s.format = 'table';
    s.items = { ...prop.items, title: label(name, prop), properties: Object.fromEntries(
      Object.entries(prop.items.properties || {}).map(([k, v]) => [k, { ...v, title: label(k, v) }])) };
  } else if (prop.type === 'object' && prop.properties) {
    s.properties = Object.fromEntries(Object.entries(prop.properties).map(([k, v]) => [k, { ...v, title: label(k, v) }]));
  } else if (prop.type === 'object' && prop.additionalProperties && !prop.properties) {
    s.options = { ...(s.options || {}), hidden: false };
  } else if (!prop.type && !prop.enum) {
    s.type = 'string';
  }
  if (prop.format === 'date') {
    s.type = 'string';
    delete s.format;  // a plain text input: <input type=date> shows the browser's locale order
    s.options = { ...(s.options || {}), inputAttributes: { placeholder: 'dd/mm/yyyy', inputmode: 'numeric', 'data-date': '' } };
  }
  if (readonly) s.readOnly = true;
  return s;
}

/** Drop '' and empty arrays of optional fields so the API applies its own defaults. */
export function clean(value, schema) {
  const required = new Set(schema.required || []);
  const out = {};
  // An empty row the editor added holds '' and [] (a category's aliases): blank too.
  const blank = (x) => x === '' || x === null || x === undefined
    || (Array.isArray(x) ? x.length === 0 : typeof x === 'object' && Object.values(x).every(blank));
  for (let [k, v] of Object.entries(value)) {
    if (Array.isArray(v)) v = v.filter((item) => !blank(item));  // rows the editor added to meet minItems
    if (!required.has(k) && (v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0))) continue;
    out[k] = v;
  }
  return out;
}

/** A PATCH body: only what changed; a cleared optional field becomes null. */
export function changes(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const old = before[k] ?? '';
    const now = v ?? '';
    if (JSON.stringify(old) !== JSON.stringify(now)) out[k] = now === '' ? null : now;
  }
  return out;
}
