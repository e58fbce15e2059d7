// API access for the features other branches are adding (imports, summary, export, reminder
// rules, reminder sweep, renewal). Each is one small function here, so adjusting to the merged
// shapes is a one-file change. A missing route throws ApiError with routeMissing = true.
import { get, post, put, request } from '../api.js';

export const summary = (pid) => get(`/v1/programmes/${pid}/summary`);

export const startImport = async (pid, file) => (await request('POST', `/v1/programmes/${pid}/imports`, {
  body: file, contentType: file.name.toLowerCase().endsWith('.xlsx')
    ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv',
})).data;
export const importStatus = (id) => get(`/v1/imports/${id}`);

export const exportFile = async (pid, format, filters) =>
  (await request('GET', `/v1/programmes/${pid}/export`, { query: { format, ...filters } })).data;

export const REMINDER_RULES = '/v1/programmes/{pid}/reminder-rules';
export const reminderRules = (pid) => get(`/v1/programmes/${pid}/reminder-rules`);
export const saveReminderRules = (pid, rules) => put(`/v1/programmes/${pid}/reminder-rules`, rules);
export const previewReminder = (pid, body) => post(`/v1/programmes/${pid}/reminder-rules/preview`, body);
export const runReminders = (body) => post('/v1/reminders/run', body);
export const enrolmentReminders = (eid) => get(`/v1/enrolments/${eid}/reminders`);

export const RENEW = '/v1/programmes/{pid}/renew';
export const renew = (pid, body) => post(`/v1/programmes/${pid}/renew`, body);
