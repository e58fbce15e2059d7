// The enrolment form. Inputs are named after the API's fields; whatever else the API's create
// schema (EnrolmentIn in /v1/openapi.json) or the programme's field definitions
// (GET /v1/programmes/{pid}/fields, when the API has that route) add appears too, with no change
// here. Both are read while online and kept in IndexedDB, so the form works offline.
export const KNOWN = ['nik', 'name', 'birth_date', 'sex', 'phone', 'village_code', 'category', 'occupation'];
const NOT_FOR_OFFICERS = new Set(['status', 'kpj_number', 'extra']);
export const LABELS = {
  nik: 'NIK (16 digit)', name: 'Nama lengkap (sesuai KTP)', birth_date: 'Tanggal lahir', sex: 'Jenis kelamin',
  phone: 'Nomor HP', village_code: 'Desa/kelurahan', category: 'Kategori pekerja', occupation: 'Pekerjaan',
};
export const REQUIRED = new Set(['nik', 'name', 'birth_date', 'sex', 'village_code', 'category']);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// ---------- schemas from /v1/openapi.json ----------
function resolve(doc, schema, seen = new Set()) {
  if (!schema || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((s) => resolve(doc, s, seen));
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop();
    if (seen.has(name)) return {};
    return resolve(doc, doc.components?.schemas?.[name] || {}, new Set([...seen, name]));
  }
  const out = {};
  for (const [k, v] of Object.entries(schema)) out[k] = typeof v === 'object' ? resolve(doc, v, seen) : v;
  const alts = out.anyOf || out.oneOf;
  if (alts) {
    const real = alts.filter((a) => a.type !== 'null');
    if (real.length === 1) { const { anyOf, oneOf, ...rest } = out; return { ...real[0], ...rest }; }
  }
  return out;
}

/** What the phone keeps of the OpenAPI document: the create schema and whether programmes have fields. */
export function fromOpenApi(doc) {
  const op = doc?.paths?.['/v1/programmes/{pid}/enrolments']?.post;
  const content = op?.requestBody?.content;
  const create = content ? resolve(doc, Object.values(content)[0].schema) : { properties: {} };
  return {
    create: { properties: create.properties || {}, required: create.required || [] },
    programme_fields: Boolean(doc?.paths?.['/v1/programmes/{pid}/fields']?.get),
  };
}

/** The programme's `extra` fields as JSON Schema properties, from either shape the fields route may give. */
export function extraProperties(fieldsDoc, category) {
  if (!fieldsDoc) return [];
  if (fieldsDoc.schema?.properties) {
    return Object.entries(fieldsDoc.schema.properties).map(([key, p]) => ({ key, ...p, required: (fieldsDoc.schema.required || []).includes(key) }));
  }
  return (fieldsDoc.fields || []).filter((f) => !f.categories?.length || f.categories.includes(category)).map((f) => ({
    key: f.key, title: f.label?.id || f.label?.en || f.key, type: { number: 'number', integer: 'integer', boolean: 'boolean' }[f.type] || 'string',
    format: f.type === 'date' ? 'date' : undefined, enum: f.type === 'choice' ? (f.choices || []).map((c) => c.value ?? c) : undefined,
    minimum: f.min, maximum: f.max, pattern: f.pattern, required: Boolean(f.required), description: f.help?.id || f.help,
  }));
}

/** Extra top-level fields of the create schema the officer fills in (an optional field added to the API). */
export function schemaExtras(schema) {
  return Object.entries(schema?.create?.properties || {})
    .filter(([k]) => !KNOWN.includes(k) && !NOT_FOR_OFFICERS.has(k))
    .map(([key, p]) => ({ key, ...p, required: (schema.create.required || []).includes(key) }));
}

export function input(name, prop, value) {
  const common = { id: `f-${name}`, name };
  if (prop.enum) {
    return h('select', common, h('option', { value: '' }, '—'), prop.enum.map((v) => h('option', { value: v, selected: String(value ?? '') === String(v) }, v)));
  }
  if (prop.type === 'boolean') return h('input', { ...common, type: 'checkbox', checked: Boolean(value) });
  if (prop.type === 'number' || prop.type === 'integer') {
    return h('input', { ...common, type: 'number', inputmode: 'decimal', step: prop.type === 'integer' ? '1' : 'any', min: prop.minimum, max: prop.maximum, value: value ?? '' });
  }
  return h('input', { ...common, type: prop.format === 'date' ? 'date' : 'text', pattern: prop.pattern, value: value ?? '' });
}

export function readInput(el, prop) {
  if (prop.type === 'boolean') return el.checked;
  if (el.value === '') return undefined;
  if (prop.type === 'number') return Number(el.value);
  if (prop.type === 'integer') return parseInt(el.value, 10);
  return el.value;
}

export function field(name, label, control, required) {
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: control.id }, label, required ? ' *' : ''), control, h('div', { class: 'error', dataset: { for: name } }));
}
