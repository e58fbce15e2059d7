// One enrolment: a new one (EnrolmentIn form) or an existing one (EnrolmentPatch form with
// If-Match, so a stale edit is refused with a clear message), its audit and reminder history.
import { get, post, request } from '../api.js';
import { categoryChoices, categoryLabel, ctx, districtName, districts, villageName, villages } from '../context.js';
import * as reminders from '../endpoints/reminders.js';
import { extraChanges, extraForCreate, extraFormSchema, fieldLabel, programmeFields, toForm } from '../fields.js';
import { changes, schemaForm } from '../form.js';
import { dateShort, enumLabel, label, t } from '../i18n.js';
import { requestSchema, responseSchema } from '../schema.js';
import { errorBox, flash, h } from '../ui.js';

/** The route's schema with `extra` replaced by this programme's published schema of it. */
function withExtra(schema, info) {
  const props = { ...schema.properties };
  if (props.extra && info.fields.length) props.extra = extraFormSchema(info);
  else delete props.extra;
  return { ...schema, properties: props };
}

export async function render(main, { id }) {
  await Promise.all([districts(), villages()]);
  const enums = {
    category: categoryChoices(),
    village_code: ctx.villages.map((v) => ({ value: v.code, title: `${v.name} — ${v.district}` })),
  };
  return id ? renderExisting(main, id, enums) : renderNew(main, enums);
}

async function renderNew(main, enums) {
  const info = await programmeFields();
  const schema = withExtra(requestSchema('POST', '/v1/programmes/{pid}/enrolments'), info);
  const holder = h('div');
  const error = h('div');
  const form = schemaForm(holder, schema, { enums, value: { extra: toForm(info) } });
  const save = h('button', { class: 'primary', id: 'save-enrolment', onclick: async () => {
    error.replaceChildren();
    try {
      const body = form.value();
      const extra = extraForCreate(form.raw().extra);
      if (Object.keys(extra).length) body.extra = extra; else delete body.extra;
      const created = await post(`/v1/programmes/${ctx.programme.id}/enrolments`, body);
      flash(t('enrol.created'));
      location.hash = `#/enrolments/${created.id}`;
    } catch (e) { error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields); }
  } }, t('enrol.create'));
  main.replaceChildren(h('h1', {}, t('enrol.new')), h('section', { class: 'card', id: 'enrolment-form' }, error, holder, save));
}

async function renderExisting(main, id, enums) {
  const enrolment = await get(`/v1/enrolments/${id}`);
  const info = await programmeFields(enrolment.programme_id);
  const schema = withExtra(requestSchema('PATCH', '/v1/enrolments/{eid}'), info);
  const outSchema = responseSchema('GET', '/v1/enrolments/{eid}');
  const holder = h('div');
  const error = h('div');
  const canWrite = ctx.me.role !== 'viewer';
  const form = schemaForm(holder, schema, { value: { ...enrolment, extra: toForm(info, enrolment.extra) }, enums,
    readonly: canWrite ? [] : Object.keys(schema.properties) });
  const save = h('button', { class: 'primary', id: 'save-enrolment', hidden: !canWrite, onclick: async () => {
    error.replaceChildren();
    let body;
    try {
      const { extra: extraValues, ...rest } = form.raw();
      body = changes(enrolment, rest);
      const extra = extraValues ? extraChanges(enrolment.extra, extraValues) : {};
      if (Object.keys(extra).length) body.extra = extra;
    } catch (e) { error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields); return; }
    if (!Object.keys(body).length) { flash(t('enrol.noChanges'), 'info'); return; }
    try {
      await request('PATCH', `/v1/enrolments/${id}`, { json: body, headers: { 'If-Match': String(enrolment.version) } });
      flash(t('enrol.saved'));
      render(main, { id });
    } catch (e) {
      if (e.status === 409 && e.code === 'VERSION_STALE') {
        error.replaceChildren(h('div', { class: 'alert error', role: 'alert', id: 'stale' }, t('enrol.stale', e.extra.current_version ?? '?'), ' ',
          h('button', { onclick: () => render(main, { id }) }, t('enrol.reload'))));
      } else { error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields); }
    }
  } }, t('enrol.save'));

  // What the API computes or keeps (not editable): every response field the patch form lacks.
  const system = Object.keys(outSchema.properties).filter((k) => !(k in schema.properties) && !['documents', 'extra'].includes(k));
  const labelOf = (key) => fieldLabel(info.fields.find((d) => d.key === key) || { key });
  const show = (k, v) => (k === 'district_code' ? districtName(v) : k === 'village_code' ? villageName(v)
    : k === 'category' ? categoryLabel(v) : k === 'status' ? enumLabel('status', v)
      : k === 'incomplete' ? (v?.length ? `${t('grid.incomplete')}: ${v.map(labelOf).join(', ')}` : '—')
        : Array.isArray(v) ? v.join(', ') : v ?? '—');
  const facts = h('table', { class: 'plain', id: 'system-fields' }, system.map((k) => h('tr', {}, h('th', {}, label(k, outSchema.properties[k])), h('td', { 'data-field': k }, show(k, enrolment[k])))));

  const documents = h('div', { id: 'documents' }, t('loading'));
  const privacy = h('span', { id: 'privacy-flags' });
  const audit = h('div', { id: 'audit' }, t('loading'));
  const reminders = h('div', { id: 'reminders' }, t('loading'));
  main.replaceChildren(
    h('h1', {}, `${t('enrol.detail')}: ${enrolment.name}`, ' ', h('span', { class: 'badge', id: 'status-badge' }, enumLabel('status', enrolment.status)),
      ' ', h('span', { class: 'badge', id: 'version-badge' }, `v${enrolment.version}`), ' ', privacy),
    h('div', { class: 'row' },
      h('section', { class: 'card grow', id: 'enrolment-form' }, error, holder, save),
      h('section', { class: 'card', style: 'width:380px' }, h('h2', {}, t('enrol.readonly')), facts,
        h('h2', {}, t('enrol.documents')), documents)),
    h('div', { class: 'row' },
      h('section', { class: 'card grow' }, h('h2', {}, t('enrol.audit')), audit),
      h('section', { class: 'card grow' }, h('h2', {}, t('enrol.reminders')), reminders)));
  loadPrivacy(privacy, enrolment.nik);
  loadDocuments(documents, enrolment, canWrite);
  loadAudit(audit, id);
  loadReminders(reminders, id);
}

// An open dispute (restriction) and an SMS opt-out, from the worker (GET /v1/workers/{nik});
// viewers see a masked NIK and have nothing to look up.
async function loadPrivacy(box, nik) {
  if (!nik || nik.includes('*')) return;
  try {
    const w = await get(`/v1/workers/${nik}`);
    const flags = [];
    if (w.restriction) flags.push(h('span', { class: 'badge warn', id: 'restriction-badge' }, t('privacy.restricted', w.restriction.opened_on)));
    if (w.sms_opt_out) flags.push(h('span', { class: 'badge', id: 'opt-out-badge' }, t('privacy.optedOut', w.sms_opt_out.asked_on, w.sms_opt_out.asked_via)));
    box.replaceChildren(...flags);
  } catch { /* the detail stays usable without the flags */ }
}

async function loadAudit(box, id) {
  try {
    const { items } = await get(`/v1/enrolments/${id}/audit`, { limit: 50 });
    box.replaceChildren(h('table', { class: 'plain' },
      h('tr', {}, ['at', 'action', 'actor', 'changes'].map((k) => h('th', {}, t(`audit.${k}`)))),
      items.map((a) => h('tr', { 'data-action': a.action },
        h('td', {}, new Date(a.at).toLocaleString()), h('td', {}, t(`audit.action.${a.action}`)),
        h('td', {}, `${a.actor} (${t(`role.${a.actor_role}`)})`),
        h('td', {}, Object.entries(a.changes).map(([f, [from, to]]) => h('div', { 'data-change': f }, h('b', {}, label(f)),
          `: ${shown(f, from)} → ${shown(f, to)}`)))))));
  } catch (e) { box.replaceChildren(errorBox(e)); }
}

/** An audited value as people read it: labels for codes, dd/mm/yyyy for dates, names for villages. */
function shown(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.map((v) => shown(field, v)).join(', ') || '—';
  if (typeof value === 'object') return JSON.stringify(value);
  if (field === 'status') return enumLabel('status', value);
  if (field === 'sex') return enumLabel('sex', value);
  if (field === 'category') return categoryLabel(value);
  if (field === 'village_code') return villageName(value);
  if (field === 'district_code') return districtName(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(String(value))) return dateShort(value);
  return String(value);
}

/** Reminders sent (or tried) for this enrolment, newest first: rule (H-45 …), channel, outcome. */
async function loadReminders(box, id, cursor = null, rows = []) {
  try {
    const data = await reminders.history(id, cursor);
    rows.push(...data.items);
    const when = (v) => (v ? new Date(v).toLocaleString() : '—');
    const more = data.next_cursor ? h('button', { id: 'reminders-more', onclick: () => loadReminders(box, id, data.next_cursor, rows) }, t('enrol.more')) : null;
    box.replaceChildren(rows.length ? h('table', { class: 'plain' },
      h('tr', {}, ['rule_id', 'channel', 'status', 'recipient', 'sent_at', 'attempts'].map((k) => h('th', {}, t(`rh.${k}`)))),
      rows.map((r) => h('tr', { 'data-status': r.status, 'data-channel': r.channel },
        h('td', {}, r.rule_id.replace(/^h(\d+)$/, 'H-$1').replace(/^h\+(\d+)$/, 'H+$1'), h('br'), h('small', { class: 'muted' }, r.coverage_end)),
        h('td', {}, t(`rh.channel.${r.channel}`)),
        h('td', {}, t(`rh.status.${r.status}`), r.last_error ? h('div', { class: 'muted' }, r.last_error) : null,
          r.delivery ? h('div', { class: 'muted', 'data-delivery': r.delivery }, t(`rh.delivery.${r.delivery}`), r.delivery_reason ? `: ${r.delivery_reason}` : '') : null),
        h('td', {}, r.recipient || '—'), h('td', {}, when(r.sent_at || r.claimed_at)), h('td', {}, r.attempts)))) : h('p', { class: 'muted', id: 'reminders-none' }, t('enrol.noReminders')), ...(more ? [more] : []));
  } catch (e) { box.replaceChildren(errorBox(e)); }
}

/** The KTP photo and consent form (e.g. taken on the field app), each opened through a presigned
 * link from GET /documents/{kind} (writers only; a viewer sees that they exist). */
async function loadDocuments(box, enrolment, canOpen) {
  const docs = Object.entries(enrolment.documents || {});
  if (!docs.length) { box.replaceChildren(h('p', { class: 'muted', id: 'documents-none' }, t('enrol.noDocuments'))); return; }
  const rows = await Promise.all(docs.map(async ([kind, meta]) => {
    let link = null;
    let problem = null;
    if (canOpen) {
      try { link = await get(`/v1/enrolments/${enrolment.id}/documents/${kind}`); } catch (e) { problem = errorBox(e); }
    }
    const url = link?.url;
    return h('div', { class: 'document', 'data-kind': kind },
      h('div', {}, h('b', {}, t(`enrol.doc.${kind}`)), ' ',
        h('small', { class: 'muted' }, `${meta.content_type}, ${Math.max(1, Math.round(meta.size / 1024))} KB`,
          meta.uploaded_at ? `, ${new Date(meta.uploaded_at).toLocaleString()}` : '', meta.uploaded_by ? ` (${meta.uploaded_by})` : '')),
      url ? h('a', { href: url, target: '_blank', rel: 'noopener', class: 'document-link' }, t('enrol.openDocument')) : '',
      url && meta.content_type.startsWith('image/') ? h('a', { href: url, target: '_blank', rel: 'noopener' },
        h('img', { class: 'document-preview', src: url, alt: t(`enrol.doc.${kind}`), style: 'display:block;max-width:100%;max-height:240px;margin-top:4px' })) : '',
      problem);
  }));
  box.replaceChildren(...rows);
}
