// Roster import (direct upload, or a presigned S3 upload for big files), its progress, the
// roster export and the programme summary. Shapes: chalicelib/api/schemas.py (ImportAccepted,
// ImportOut, UploadUrlOut, ExportLink, SummaryOut, SubmissionOut).
import { ApiError, get, getConfig, post, request } from '../api.js';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Files above this go through S3 (the API takes at most 5 MB in a request body). */
export const DIRECT_MAX_BYTES = 5 * 1024 * 1024;

/** SummaryOut; refresh: recompute from the records now instead of a snapshot (<= 5 min old). */
export const summary = (pid, refresh = false) => get(`/v1/programmes/${pid}/summary`, refresh ? { refresh: true } : undefined);

const typeOf = (file) => (file.name.toLowerCase().endsWith('.xlsx') ? XLSX : 'text/csv');

/** Start an import of a File; -> {import_id, status}. kind: 'roster' (people to enrol) or 'kpj'
 * (the BPJS branch's list of NIK + KPJ number, which activates the matching enrolments). */
export async function startImport(pid, file, kind = 'roster') {
  const limit = getConfig().import_direct_max_bytes ?? DIRECT_MAX_BYTES;
  const query = { filename: file.name, kind: kind === 'roster' ? undefined : kind };
  if (file.size <= limit) {
    return (await request('POST', `/v1/programmes/${pid}/imports`, { body: file, contentType: typeOf(file), query })).data;
  }
  // Big file: a presigned POST straight to the imports bucket, then the import names the key.
  const form = await post(`/v1/programmes/${pid}/imports/upload-url`, { filename: file.name });
  const body = new FormData();
  for (const [k, v] of Object.entries(form.fields)) body.append(k, v);
  body.append('file', file);
  let res;
  try { res = await fetch(form.url, { method: 'POST', body }); } catch (e) { throw new ApiError(0, { message: String(e) }, form.url); }
  if (!res.ok) throw new ApiError(res.status, { message: `S3 ${res.status}: ${(await res.text()).slice(0, 200)}` }, form.url);
  return (await request('POST', `/v1/programmes/${pid}/imports`, {
    json: { s3_key: form.s3_key, filename: file.name }, query: { kind: query.kind } })).data;
}

/** The XLSX template to fill in (GET /import-template): -> {blob, filename}. */
export async function importTemplate(pid) {
  const res = await request('GET', `/v1/programmes/${pid}/import-template`, { headers: { Accept: XLSX } });
  const filename = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') || '')?.[1];
  return { blob: res.data, filename };
}

/** Ajukan ke BPJS: {} (every draft), {village_code} or {ids} -> SubmissionOut (202, then poll). */
export const submit = (pid, body) => post(`/v1/programmes/${pid}/submissions`, body);
export const submission = (id) => get(`/v1/submissions/${id}`);

export const importStatus = (id) => get(`/v1/imports/${id}`);

/** The whole roster as a file: -> {blob, filename} inline, or {url, filename} for a presigned link
 * (large rosters). XLSX must be asked for with Accept, or API Gateway sends it base64-encoded. */
export async function exportFile(pid, format) {
  const res = await request('GET', `/v1/programmes/${pid}/export`, {
    query: { format }, headers: { Accept: format === 'xlsx' ? XLSX : 'text/csv' } });
  const filename = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') || '')?.[1];
  if (res.data instanceof Blob) return { blob: res.data, filename };
  return { url: res.data.download_url, rows: res.data.rows };
}
