// Reminder rules and message templates, edited as data in a form built from the PUT route's
// schema (ReminderRulesIn); the API's own preview of every text for a member of this programme;
// a dry run of the sweep with per-channel counts and what the SMS would cost (the regency pays
// per SMS), and only then a live run, confirmed against that cost, with its progress.
import { get } from '../api.js';
import { ctx, villages } from '../context.js';
import * as reminders from '../endpoints/reminders.js';
import { schemaForm } from '../form.js';
import { dateText, enumLabel, label, number, t } from '../i18n.js';
import { requestSchema } from '../schema.js';
import { errorBox, flash, h, today } from '../ui.js';

const KINDS = ['sms', 'sms_after', 'whatsapp', 'email_subject', 'email_intro', 'whatsapp_after', 'email_subject_after',
  'email_intro_after'];

export async function render(main) {
  const pid = ctx.programme.id;
  const isAdmin = ctx.me.role === 'admin';
  const rulesBox = h('section', { class: 'card grow', id: 'rules' });
  const previewBox = h('section', { class: 'card', id: 'preview', style: 'width:480px' });
  const dryBox = h('section', { class: 'card', id: 'dryrun' });
  main.replaceChildren(h('h1', {}, `${t('rem.title')} — ${ctx.programme.code}`), h('div', { class: 'row' }, rulesBox, previewBox), dryBox);

  const [stored, sampleList, villageList] = await Promise.all([reminders.rules(pid),
    get(`/v1/programmes/${pid}/enrolments`, { limit: 1 }), villages()]);
  let version = stored.version;
  const schema = formSchema(requestSchema('PUT', reminders.RULES), villageList);
  const holder = h('div');
  const error = h('div');
  // Quiet hours are optional (null = send at any hour): a switch beside the two times.
  const quiet = stored.quiet_hours ?? Object.fromEntries(Object.entries(schema.properties.quiet_hours.properties || {})
    .map(([k, p]) => [k, p.default ?? '']));
  const form = schemaForm(holder, schema, { value: { ...stored, quiet_hours_on: stored.quiet_hours != null, quiet_hours: quiet,
    village_contacts: contactRows(stored.village_contacts) } });
  form.ready.then(() => {
    const on = form.editor.getEditor('root.quiet_hours_on');
    const times = form.editor.getEditor('root.quiet_hours');
    const sync = () => (on.getValue() ? times.enable() : times.disable());
    sync();
    form.editor.watch('root.quiet_hours_on', sync);
  });
  const sample = sampleList.items[0] || null;
  const previews = h('div', { id: 'previews' });
  const perWorker = h('span', { id: 'sms-per-worker' }, stored.sms_per_worker_per_period);
  previewBox.append(h('h2', {}, t('rem.preview')),
    h('p', { class: 'muted' }, `${t('rem.sample')}: ${sample ? sample.name : t('rem.sampleNone')}`), previews);

  // Preview as the user types: the API renders (and checks) the proposed templates. Only the
  // answer to the latest request is shown. The texts come at once (count_names: false); how many
  // of the programme's names take two SMS renders the SMS for every member (one Query of the whole
  // programme: seconds for 26,775), so it is asked for afterwards, once typing has paused, and
  // fills in beside the SMS when it arrives: the screen never waits for it.
  let seq = 0;
  let timer = null;
  let namesTimer = null;
  const refresh = () => { clearTimeout(timer); timer = setTimeout(() => renderPreviews(++seq), 250); };
  async function renderPreviews(mine) {
    clearTimeout(namesTimer);
    const proposed = Object.fromEntries(Object.entries(form.raw().templates || {}).filter(([, v]) => typeof v === 'string' && v.trim()));
    const ask = { templates: proposed, ...(sample ? { enrolment_id: sample.id } : {}) };
    try {
      const p = await reminders.preview(pid, { ...ask, count_names: false });
      if (mine !== seq) return;
      form.showServerErrors({});
      const names = h('span', { id: 'sms-names', 'data-state': 'counting' }, t('rem.namesCounting'));
      previews.replaceChildren(
        item('sms', p.sms.text, h('span', {}, t('rem.smsInfo', p.sms.characters, p.sms.segments, number(p.sms.cost_idr)), ' · ', names)),
        item('sms_after', p.sms_after.text, t('rem.smsInfo', p.sms_after.characters, p.sms_after.segments, number(p.sms_after.cost_idr))),
        item('whatsapp', p.whatsapp.text, h('a', { href: p.whatsapp.link, target: '_blank', rel: 'noopener' }, t('rem.waLink'))),
        item('email_subject', p.email_subject), item('email_intro', p.email_intro));
      namesTimer = setTimeout(async () => {
        try {
          const counted = (await reminders.preview(pid, { ...ask, count_names: true })).sms.programme_names;
          if (mine !== seq || !counted) return;
          names.textContent = t('rem.namesOver', number(counted.over_one_segment), number(counted.names));
          names.dataset.state = 'counted';
        } catch (e) { if (mine === seq) { names.textContent = ''; names.dataset.state = 'failed'; } }
      }, 600);
    } catch (e) {
      if (mine !== seq) return;
      form.showServerErrors(e.fields);
      previews.replaceChildren(errorBox(e, label));
    }
  }
  form.ready.then(() => { renderPreviews(++seq); form.editor.on('change', refresh); });

  const save = h('button', { class: 'primary', id: 'save-rules', hidden: !isAdmin, onclick: async () => {
    error.replaceChildren();
    if (form.validate().length) return;
    try {
      const saved = await reminders.saveRules(pid, body(form.value()), version);
      version = saved.version;
      perWorker.textContent = saved.sms_per_worker_per_period;
      flash(t('rem.saved'));
    } catch (e) {
      error.replaceChildren(errorBox(e, label)); form.showServerErrors(e.fields);
    }
  } }, t('rem.save'));
  rulesBox.replaceChildren(h('h2', {}, t('rem.title')), error,
    h('p', { class: 'muted' }, t('rem.perWorker'), ' ', h('b', {}, perWorker), stored.is_default ? ` · ${t('rem.isDefault')}` : ''),
    holder, h('p', { class: 'muted' }, t('rem.placeholders')), h('p', { class: 'muted', id: 'rules-after-end' }, t('rem.afterEnd')), save);
  if (isAdmin) renderRun(dryBox, pid);
  else dryBox.remove();
}

/** The PUT schema with what a form needs: templates as wide text areas, channels as check
 * boxes, and village contacts (a map keyed by village code) as a table with a village picker. */
function formSchema(schema, villageList) {
  const s = structuredClone(schema);
  const templates = s.properties.templates;
  delete templates.description;
  templates.options = { grid_columns: 12 };
  for (const k of KINDS) {
    if (!templates.properties?.[k]) continue;
    templates.properties[k] = { ...templates.properties[k], type: 'string', format: 'textarea', title: label(`template_${k}`),
      options: { grid_columns: 6, input_height: k.startsWith('email_subject') ? '40px' : '84px' } };
  }
  const channels = s.properties.rules.items.properties.channels;
  s.properties.rules.items.properties.channels = { ...channels, format: 'checkbox', uniqueItems: true,
    items: { ...channels.items, type: 'string', options: { enum_titles: channels.items.enum.map((v) => enumLabel('channels', v)) } } };
  s.properties.rules.options = { grid_columns: 5 };
  s.properties.audience.options = { grid_columns: 4 };
  s.properties.quiet_hours.options = { grid_columns: 3 };
  // not in the API's schema: body() turns it into quiet_hours = null when off
  s.properties = Object.fromEntries(Object.entries(s.properties).flatMap(([k, v]) => (k === 'quiet_hours'
    ? [['quiet_hours_on', { type: 'boolean', format: 'checkbox', title: label('quiet_hours_on'), options: { grid_columns: 1 } }], [k, v]]
    : [[k, v]])));
  const vc = s.properties.village_contacts;
  const contact = vc.additionalProperties?.properties ? vc.additionalProperties : Object.values(vc.patternProperties || {})[0];
  s.properties.village_contacts = { type: 'array', format: 'table', title: label('village_contacts'), options: { grid_columns: 12 },
    items: { type: 'object', title: label('village_code'), properties: {
      village_code: { type: 'string', title: label('village_code'), enum: villageList.map((v) => v.code),
        options: { enum_titles: villageList.map((v) => `${v.name} — ${v.district}`) } },
      name: { type: 'string', title: label('contact_name'), maxLength: contact.properties.name.maxLength },
      phone: { type: 'string', title: label('phone'), maxLength: contact.properties.phone.maxLength },
      emails: { type: 'string', title: label('contact_emails') } } } };
  return s;
}

/** village_contacts {code: {name, emails[], phone}} <-> rows {village_code, name, phone, emails: "a, b"} */
const contactRows = (map) => Object.entries(map || {}).map(([code, c]) => ({ village_code: code, name: c.name || '', phone: c.phone || '', emails: (c.emails || []).join(', ') }));
function body(value) {
  const contacts = {};
  for (const r of value.village_contacts || []) {
    if (!r?.village_code) continue;
    const emails = (r.emails || '').split(/[,;\s]+/).filter(Boolean);
    contacts[r.village_code] = { emails, ...(r.name ? { name: r.name } : {}), ...(r.phone ? { phone: r.phone } : {}) };
  }
  const { quiet_hours_on: quietOn, ...rest } = value;
  return { ...rest, quiet_hours: quietOn ? rest.quiet_hours : null, village_contacts: contacts };
}

const item = (kind, text, info) => h('div', { 'data-template': kind, class: 'preview-item' }, h('b', {}, label(`template_${kind}`)),
  h('div', { class: 'preview' }, text), info ? h('small', { class: 'muted' }, info) : null);

function renderRun(box, pid) {
  const asOf = h('input', { type: 'date', id: 'dryrun-as-of', value: today() });
  const result = h('div', { id: 'dryrun-result' });
  const progress = h('div', { id: 'run-progress' });
  let planned = null;  // the dry run the live run is confirmed against
  const live = h('button', { class: 'danger', id: 'run-live', disabled: true, onclick: () => runLive() }, t('rem.runLive'));
  asOf.addEventListener('change', () => { planned = null; live.disabled = true; });
  const dry = h('button', { class: 'primary', id: 'dryrun-run', onclick: async () => {
    result.replaceChildren(t('loading'));
    live.disabled = true;
    try {
      planned = await reminders.run({ as_of: asOf.value, dry_run: true, programme_id: pid });
      result.replaceChildren(...runTable(planned));
      live.disabled = !planned.would_send.sms && !planned.would_send.email;
    } catch (e) { planned = null; result.replaceChildren(errorBox(e, label)); }
  } }, t('rem.run'));

  async function runLive() {
    if (!planned) return;
    const c = planned.cost;
    const question = t('rem.confirm', number(c.sms), number(c.sms_segments), number(c.total_idr), planned.would_send.email, dateText(planned.as_of));
    const later = laterText(planned);
    if (!window.confirm(later ? `${question}\n\n${later}` : question)) return;
    live.disabled = true;
    progress.replaceChildren(t('loading'));
    try {
      let r = await reminders.run({ as_of: planned.as_of, dry_run: false, programme_id: pid });
      planned = null;
      for (;;) {
        if (!box.isConnected) return;
        progress.replaceChildren(runProgress(r));
        if (r.status === 'done' || !r.run_id) return;
        await new Promise((ok) => setTimeout(ok, 1000));
        r = await reminders.runStatus(r.run_id);
      }
    } catch (e) { progress.replaceChildren(errorBox(e, label)); }
  }

  box.replaceChildren(h('h2', {}, t('rem.dryrun')), h('p', { class: 'muted' }, t('rem.dryrunExplain')),
    h('div', { class: 'toolbar' }, h('label', {}, t('rem.asOf'), asOf), dry, live), result, progress);
}

function runTable(r) {
  const rows = [['considered', r.considered], ['sms', r.would_send.sms], ['email', r.would_send.email],
    ['whatsapp_links', r.would_send.whatsapp_links], ['skipped', r.skipped], ['deferred', r.deferred]];
  const c = r.cost;
  const p = r.period_projection;
  return [
    h('div', { class: 'cost', id: 'dryrun-cost', 'data-total': c.total_idr },
      h('div', { class: 'l' }, t('rem.costTitle', r.as_of)),
      h('div', { class: 'v' }, `Rp ${number(c.total_idr)}`),
      h('div', { class: 'l' }, t('rem.costDetail', number(c.sms), number(c.sms_segments), number(c.price_per_sms_idr)))),
    laterText(r) ? h('div', { class: 'alert info', id: 'dryrun-later' }, laterText(r)) : '',
    h('div', { class: 'row' },
      h('table', { class: 'plain', style: 'max-width:520px' }, rows.map(([k, v]) => h('tr', { 'data-key': k }, h('th', {}, t(`rem.count.${k}`)), h('td', {}, number(v))))),
      h('p', { class: 'muted grow', id: 'dryrun-projection' }, t('rem.projection', number(p.enrolments), number(p.sms), number(p.total_idr)))),
  ];
}

/** A plan's SMS that leave later than the button is pressed (quiet hours, or the day has not come):
 * how many, and when (the API's sms_schedule, in WIB); '' when everything goes at once. */
function laterText(r) {
  if (!r.deferred) return '';
  const later = (r.sms_schedule || []).slice(-1)[0];
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(later?.at || '');
  return t('rem.later', number(r.deferred), m ? t('rem.at', dateText(m[1]), `${m[2]}.${m[3]}`) : '');
}

function runProgress(r) {
  return h('div', { class: 'card', 'data-status': r.status, 'data-run': r.run_id || '' },
    h('p', {}, `${t('rem.runStatus')}: `, h('b', {}, t(`rem.status.${r.status}`)), r.run_id ? ` · ${r.run_id}` : ''),
    h('table', { class: 'plain', style: 'max-width:520px' }, ['queued_messages', 'sent', 'skipped', 'failed', 'deferred', 'delivered', 'delivery_failed'].map((k) =>
      h('tr', { 'data-key': k }, h('th', {}, t(`rem.count.${k}`)), h('td', {}, number(r[k]))))));
}
