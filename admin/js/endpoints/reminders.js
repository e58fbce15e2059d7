// Reminder rules, template preview, the reminder sweep (dry run and live), an enrolment's
// reminder history, and programme renewal with its progress. Shapes: chalicelib/api/schemas.py
// (ReminderRulesIn/Out, ReminderPreviewIn/Out, ReminderRunIn/Out, ReminderList, RenewIn, RenewalOut).
import { get, post, request } from '../api.js';

export const RULES = '/v1/programmes/{pid}/reminder-rules';
export const RENEW = '/v1/programmes/{pid}/renew';

/** ReminderRulesOut: the stored rules, or the defaults (is_default, version 0). */
export const rules = (pid) => get(`/v1/programmes/${pid}/reminder-rules`);

/** PUT with If-Match: the version the form was loaded at (0 = none stored yet), so a concurrent
 * save is refused with 409 VERSION_STALE instead of silently overwritten. */
export const saveRules = async (pid, body, version) => (await request('PUT', `/v1/programmes/${pid}/reminder-rules`,
  { json: body, headers: version === undefined ? {} : { 'If-Match': String(version) } })).data;

/** {templates?, enrolment_id?} -> {sms: {text, characters, segments, cost_idr}, whatsapp: {text, link},
 * email_subject, email_intro}; 422 TEMPLATE_INVALID with fields {"templates.sms": reason}. */
export const preview = (pid, body) => post(`/v1/programmes/${pid}/reminder-rules/preview`, body);

/** {as_of?, dry_run?, programme_id?} -> ReminderRunOut (would_send per channel, cost, period_projection). */
export const run = (body) => post('/v1/reminders/run', body);
export const runStatus = (runId) => get(`/v1/reminders/runs/${runId}`);

/** RenewalBudgetOut: live members x months x rate for the next period, renewed or not (the budget email's figure). */
export const renewalBudget = (pid) => get(`/v1/programmes/${pid}/renewal-budget`);

export const history = (eid, cursor) => get(`/v1/enrolments/${eid}/reminders`, { limit: 50, cursor });

/** -> {status: 202 (created) | 200 (this period existed already), renewal: RenewalOut}. */
export async function renew(pid, body) {
  const res = await request('POST', `/v1/programmes/${pid}/renew`, { json: body });
  return { status: res.status, renewal: res.data };
}
export const renewals = (pid) => get(`/v1/programmes/${pid}/renewals`);
