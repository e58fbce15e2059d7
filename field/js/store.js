// The phone's data and its sync with POST/GET /v1/sync.
//  - records: enrolments as the server last said (IndexedDB `records`), pulled with GET /v1/sync
//    following has_more and keeping next_cursor; tombstones and moved-out markers delete.
//  - ops: the queue. Every change is one operation with an op_id made once (crypto.randomUUID),
//    committed to IndexedDB before the screen says "tersimpan". What the officer sees is the
//    records with the queued ops replayed over them (roster()).
//  - push: the queue in order, BATCH at a time. A batch cut off (no answer) leaves the queue as it
//    was and is sent again with the same op_ids: the server's receipts answer a replay with the
//    result it recorded the first time, so nothing is applied twice and nothing is lost.
//  - photos: compressed JPEGs uploaded through the documents API once their enrolment exists.
import { ApiError, get, post, put, session } from './api.js';
import * as db from './db.js';

export const BATCH = 100;
export const PULL_LIMIT = 1000;

export const state = { records: new Map(), programmes: new Map(), ops: [], results: new Map(), photos: [], meta: {} };
let view = null;
const listeners = new Set();
export const onChange = (fn) => listeners.add(fn);
function changed() { view = null; for (const fn of listeners) fn(); }

export async function load() {
  const [records, programmes, ops, results, photos, meta] = await Promise.all([
    db.getAll('records'), db.getAll('programmes'), db.getAll('ops'), db.getAll('results'), db.getAll('photos'), db.get('kv', 'meta')]);
  state.records = new Map(records.map((r) => [r.id, r]));
  state.programmes = new Map(programmes.map((p) => [p.id, p]));
  state.ops = ops.sort((a, b) => a.seq - b.seq);
  state.results = new Map(results.map((r) => [r.op_id, r]));
  state.photos = photos;
  state.meta = meta || {};
  changed();
}

let metaSaving = Promise.resolve();
/** saveMeta({last_sync}) or saveMeta((meta) => ({fields: {...meta.fields, [pid]: doc}})): one save at a
 * time, each from what the previous one left, so two in flight (a sync's and the programme fields')
 * never start from the same meta and drop each other's patch. */
export function saveMeta(patch) {
  const run = metaSaving.then(async () => {
    const meta = { ...state.meta, ...(typeof patch === 'function' ? patch(state.meta) : patch) };
    await db.write(['kv'], (s) => s.kv.put(meta, 'meta'));
    state.meta = meta;
    changed();
  });
  metaSaving = run.catch(() => {});
  return run;
}

// ---------- what the officer sees ----------
function replay(m, op) {
  if (op.op === 'create') {
    m.set(op.id, { documents: {}, ...op.data, id: op.id, programme_id: op.programme_id, status: op.data.status || 'draft',
      version: 1, pending: 1, local: true });
    return;
  }
  const r = m.get(op.id);
  if (!r) return;
  if (op.op === 'delete') { m.delete(op.id); return; }
  m.set(op.id, { ...r, ...op.data, version: op.version + 1, pending: (r.pending || 0) + 1 });
}

/** id -> enrolment as it will be once the queue is through. */
export function roster() {
  if (view) return view;
  const m = new Map();
  for (const r of state.records.values()) if (!r.deleted) m.set(r.id, { ...r, pending: 0 });
  for (const op of state.ops) replay(m, op);
  for (const r of m.values()) r._q = `${(r.name || '').toLowerCase()} ${r.nik || ''}`;
  view = m;
  return m;
}

/** Offline search: name (any part) or NIK (digits, separators ignored), village, status. */
export function search({ q = '', village = '', status = '', programme = '' } = {}) {
  const needle = q.trim().toLowerCase();
  const digits = needle.replace(/[\s.-]/g, '');
  const byNik = /^\d+$/.test(digits);
  const out = [];
  for (const r of roster().values()) {
    if (programme && r.programme_id !== programme) continue;
    if (village && r.village_code !== village) continue;
    if (status && r.status !== status) continue;
    if (needle && !(byNik ? (r.nik || '').includes(digits) : r._q.includes(needle))) continue;
    out.push(r);
  }
  return out.sort((a, b) => (a.name || '').localeCompare(b.name || ''));
}

export const pendingCount = () => state.ops.length + state.photos.length;
export const openResults = () => [...state.results.values()].filter((r) => !r.resolved && (r.status === 'conflict' || r.status === 'rejected'));

// ---------- the queue ----------
/** Crockford base32 ULID: the id a create names its record by, so later edits can refer to it. */
export function ulid(now = Date.now()) {
  const A = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = '';
  for (let i = 0, n = now; i < 10; i++, n = Math.floor(n / 32)) t = A[n % 32] + t;
  const rnd = crypto.getRandomValues(new Uint8Array(16));
  return t + Array.from(rnd, (b) => A[b % 32]).join('');
}

/** Store one operation (and its photos) durably; the caller says "tersimpan" after this resolves. */
export async function enqueue(op, photos = []) {
  const full = { op_id: crypto.randomUUID(), type: 'enrolment', ...op, queued_at: new Date().toISOString() };
  const jobs = photos.map((p) => ({ job_id: crypto.randomUUID(), enrolment_id: op.id, kind: p.kind, blob: p.blob,
    size: p.blob.size, queued_at: full.queued_at }));
  await db.write(['ops', 'photos'], (s) => {
    if (op.op) s.ops.add(full).onsuccess = (e) => { full.seq = e.target.result; };
    for (const j of jobs) s.photos.put(j);
  });
  if (op.op) state.ops.push(full);
  state.photos.push(...jobs);
  changed();
  return full;
}

/** The operation as the API takes it: the same bytes every time it is sent. */
export function wire(op) {
  const w = { op_id: op.op_id, op: op.op, type: 'enrolment', programme_id: op.programme_id, data: op.data || {} };
  if (op.id) w.id = op.id;
  if (op.version) w.version = op.version;
  return w;
}

function folded(op, result) {
  const current = state.records.get(op.id);
  if (op.op === 'create') return { documents: {}, ...op.data, id: result.id, programme_id: op.programme_id, status: op.data.status || 'draft', version: result.version };
  if (op.op === 'delete') return null;
  return current ? { ...current, ...op.data, version: result.version } : undefined;
}

export async function push(onBatch = () => {}) {
  let stop = false;
  while (!stop && state.ops.length) {
    const batch = state.ops.slice(0, BATCH);
    const { results } = await post('/v1/sync', { operations: batch.map(wire) });  // no answer: throws, queue untouched
    for (const r of results) {
      if (r.status === 'conflict' && r.id) r.server = await get(`/v1/enrolments/${r.id}`).catch(() => null);
    }
    const byId = new Map(batch.map((o) => [o.op_id, o]));
    const records = new Map();
    // A create answered `duplicate` names the worker's existing enrolment: photos taken for the
    // phone's record go to that one (else they would wait for a record that will never exist).
    const moved = new Map();
    for (const r of results) {
      const op = byId.get(r.op_id);
      if (r.status === 'duplicate' && op?.op === 'create' && r.id && r.id !== op.id) moved.set(op.id, r.id);
    }
    const repointed = state.photos.filter((j) => moved.has(j.enrolment_id)).map((j) => ({ ...j, enrolment_id: moved.get(j.enrolment_id) }));
    await db.write(['ops', 'records', 'results', 'photos'], (s) => {
      for (const j of repointed) s.photos.put(j);
      for (const r of results) {
        const op = byId.get(r.op_id);
        if (!op || r.status === 'failed') { stop = true; continue; }
        s.ops.delete(op.seq);
        if (r.status === 'applied') {
          const rec = folded(op, r);
          if (rec === null) { s.records.delete(op.id); records.set(op.id, null); } else if (rec) { s.records.put(rec); records.set(rec.id, rec); }
        } else {
          const entry = { ...r, op, at: new Date().toISOString(), resolved: r.status === 'duplicate' };
          if (r.status === 'conflict' && r.server) { s.records.put(r.server); records.set(r.server.id, r.server); }
          s.results.put(entry);
          state.results.set(r.op_id, entry);
        }
      }
    });
    const done = new Set(results.filter((r) => r.status !== 'failed').map((r) => r.op_id));
    state.ops = state.ops.filter((o) => !done.has(o.op_id));
    const byJob = new Map(repointed.map((j) => [j.job_id, j]));
    state.photos = state.photos.map((j) => byJob.get(j.job_id) || j);
    for (const [id, rec] of records) { if (rec === null) state.records.delete(id); else state.records.set(id, rec); }
    changed();
    onBatch(results);
  }
}

// ---------- pull ----------
export async function pull() {
  let cursor = state.meta.cursor || null;
  let requests = 0;
  for (;;) {
    let page;
    try {
      page = await get('/v1/sync', { since: cursor, limit: PULL_LIMIT });
    } catch (e) {
      if (e.code === 'CURSOR_INVALID' && cursor) { await forgetRoster(); cursor = null; continue; }
      throw e;
    }
    requests++;
    const puts = [];
    const dels = [];
    const progs = [];
    for (const c of page.changes) {
      if (c.type === 'programme') { progs.push(c); continue; }
      const have = state.records.get(c.id);
      if (have && have.version > c.version) continue;
      if (c.deleted || c.moved_out) dels.push(c.id); else puts.push(c);
    }
    if (!page.has_more) {
      const villages = new Set(page.villages);
      for (const r of state.records.values()) if (r.village_code && !villages.has(r.village_code)) dels.push(r.id);
    }
    const meta = { ...state.meta, cursor: page.next_cursor, villages: page.villages };
    await db.write(['records', 'programmes', 'kv'], (s) => {
      for (const c of puts) s.records.put(c);
      for (const id of dels) s.records.delete(id);
      for (const p of progs) s.programmes.put(p);
      s.kv.put(meta, 'meta');
    });
    for (const c of puts) state.records.set(c.id, c);
    for (const id of dels) state.records.delete(id);
    for (const p of progs) state.programmes.set(p.id, p);
    state.meta = meta;
    cursor = page.next_cursor;
    changed();
    if (!page.has_more) return requests;
  }
}

/** Another officer signed in, or the cursor is no longer valid: pull the roster afresh (the queue stays). */
export async function forgetRoster() {
  const meta = { ...state.meta, cursor: null };
  await db.write(['records', 'kv'], (s) => { s.records.clear(); s.kv.put(meta, 'meta'); });
  state.records.clear();
  state.meta = meta;
  changed();
}

// ---------- photos ----------
export async function uploadPhotos() {
  for (const job of [...state.photos]) {
    const rec = state.records.get(job.enrolment_id);
    if (!rec) continue;  // its enrolment is not on the server yet
    const slot = await post(`/v1/enrolments/${job.enrolment_id}/documents`, { kind: job.kind, content_type: 'image/jpeg', size: job.blob.size });
    const form = new FormData();
    for (const [k, v] of Object.entries(slot.fields)) form.append(k, v);
    form.append('file', job.blob, `${job.kind}.jpg`);
    let res;
    try { res = await fetch(slot.url, { method: 'POST', body: form }); } catch { throw new ApiError(0, {}); }
    if (!res.ok) throw new ApiError(res.status, { message: `Penyimpanan menolak foto (${res.status})` });
    const doc = await put(`/v1/enrolments/${job.enrolment_id}/documents/${job.kind}`, { document_id: slot.document_id });
    const latest = state.records.get(job.enrolment_id) || rec;
    const meta = { id: doc.id, content_type: doc.content_type, size: doc.size, uploaded_at: doc.uploaded_at, uploaded_by: doc.uploaded_by };
    const updated = { ...latest, documents: { ...(latest.documents || {}), [job.kind]: meta },
      version: Math.max(latest.version, doc.enrolment_version || 0) };
    await db.write(['photos', 'records'], (s) => { s.photos.delete(job.job_id); s.records.put(updated); });
    state.photos = state.photos.filter((p) => p.job_id !== job.job_id);
    state.records.set(updated.id, updated);
    changed();
  }
}

// ---------- conflicts and rejections ----------
export async function resolve(result, choice) {
  const entry = { ...result, resolved: true, choice };
  // A rejected create the officer drops never becomes a record: its photos would wait forever.
  const orphans = choice === 'dropped' && result.op?.op === 'create'
    ? state.photos.filter((j) => j.enrolment_id === result.op.id && !state.records.has(j.enrolment_id)) : [];
  await db.write(['results', 'photos'], (s) => { s.results.put(entry); for (const j of orphans) s.photos.delete(j.job_id); });
  state.results.set(entry.op_id, entry);
  state.photos = state.photos.filter((j) => !orphans.includes(j));
  changed();
}

// ---------- one sync ----------
let running = null;
let again = false;

/** Push the queue, upload photos, pull. One at a time: a call during a sync joins it, and if it
 * brought new operations (saved after the running push had taken the queue) one more round runs. */
export function sync() {
  if (running) { again = true; return running; }
  running = (async () => {
    try {
      let result;
      do { again = false; result = await run(); } while (again && state.ops.length);
      return result;
    } finally {
      running = null;  // after the assignment above: the first await comes before any throw
    }
  })();
  return running;
}

async function run() {
  if (session.expired) throw new ApiError(401, { error: { code: 'TOKEN_EXPIRED', message: 'Sesi berakhir; silakan masuk lagi' } });
  const outcomes = [];
  await push((results) => outcomes.push(...results));
  await uploadPhotos();
  const requests = await pull();
  if (state.photos.length) await uploadPhotos();  // those whose enrolment the pull just brought
  const counts = {};
  for (const r of outcomes) counts[r.status] = (counts[r.status] || 0) + 1;
  await saveMeta({ last_sync: new Date().toISOString(), last_results: outcomes.map((r) => ({ op_id: r.op_id, status: r.status, id: r.id })), last_counts: counts });
  return { outcomes, counts, requests };
}
