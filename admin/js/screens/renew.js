// Programme renewal: the next period with active members carried over.
import { ctx, loadProgrammes, useProgramme } from '../context.js';
import * as pending from '../endpoints/pending.js';
import { schemaForm } from '../form.js';
import { label, t } from '../i18n.js';
import { requestSchema } from '../schema.js';
import { errorBox, flash, h, missingBox } from '../ui.js';

/** Until the route is merged its body is known only from the contract. */
const CONTRACT = { type: 'object', required: ['coverage_start', 'coverage_end'], properties: {
  coverage_start: { type: 'string', format: 'date' }, coverage_end: { type: 'string', format: 'date' }, rate: { type: 'integer', minimum: 0 } } };

export async function render(main) {
  const p = ctx.programme;
  const schema = requestSchema('POST', pending.RENEW) || CONTRACT;
  const start = new Date(Date.parse(p.coverage_end) + 86400e3);
  const span = Date.parse(p.coverage_end) - Date.parse(p.coverage_start);
  const value = { coverage_start: iso(start), coverage_end: iso(new Date(start.getTime() + span)), rate: p.monthly_contribution_idr };
  const holder = h('div');
  const error = h('div');
  const form = schemaForm(holder, schema, { value });
  const submit = h('button', { class: 'primary', id: 'renew-submit', onclick: async () => {
    error.replaceChildren();
    try {
      const next = await pending.renew(p.id, form.value());
      await loadProgrammes();
      useProgramme(ctx.programmes.find((x) => x.id === next.id) || ctx.programme);
      flash(t('renew.done', next.code || next.id));
      location.hash = '#/dashboard';
    } catch (e) { error.replaceChildren(e.routeMissing ? missingBox(e) : errorBox(e, label)); form.showServerErrors(e.fields); }
  } }, t('renew.submit'));
  main.replaceChildren(h('h1', {}, `${t('renew.title')} — ${p.code}`),
    h('section', { class: 'card', id: 'renew' }, h('p', {}, t('renew.explain')), error, holder, submit));
}

const iso = (d) => d.toISOString().slice(0, 10);
