// Lindung Lapangan: boot, the status bar, and the screens (sign-in, roster, form, sync results).
import { ApiError, cognitoLogin, get, getConfig, post, session, setConfig } from './api.js';
import { KNOWN, LABELS, REQUIRED, extraProperties, field, fromOpenApi, h, input, readInput, schemaExtras } from './form.js';
import { personProblems } from './nik.js';
import { compress } from './photo.js';
import * as store from './store.js';

const STATUS = { draft: 'Draf', submitted: 'Diajukan', active: 'Aktif', expired: 'Berakhir', renewed: 'Diperpanjang',
  rejected: 'Ditolak', withdrawn: 'Mengundurkan diri', deceased: 'Meninggal' };
// chalicelib/domain/lifecycle.py TRANSITIONS, limited to what an officer in the field decides.
const OFFICER_NEXT = { draft: ['submitted', 'withdrawn'], submitted: ['withdrawn'], active: ['withdrawn', 'deceased'] };
const OUTCOME = { applied: 'diterapkan', duplicate: 'sudah terdaftar', conflict: 'konflik', rejected: 'ditolak', failed: 'gagal sementara' };
const main = () => document.getElementById('screen');
let notice = null;  // a message for the next screen (e.g. why the sign-in form is shown)

// ---------- status bar: always visible ----------
function bar() {
  const online = navigator.onLine;
  const net = document.getElementById('net');
  net.dataset.online = String(online);
  net.textContent = online ? 'Daring' : 'Luring';
  const pending = store.pendingCount();
  const p = document.getElementById('pending');
  p.dataset.count = String(pending);
  p.textContent = `${pending} menunggu`;
  const last = store.state.meta.last_sync;
  document.getElementById('last-sync').textContent = `Sinkron terakhir: ${last ? when(last) : 'belum pernah'}`;
}
const when = (iso) => new Date(iso).toLocaleString('id-ID', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
function say(text, kind = '') {
  const el = document.getElementById('sync-status');
  el.replaceChildren(text ? h('span', { class: kind }, text) : '');
}

// ---------- sync ----------
async function runSync({ quiet = false } = {}) {
  if (!session.token) return null;
  const before = store.pendingCount();
  say(`Menyinkronkan ${before} perubahan…`);
  try {
    const r = await store.sync();
    const c = r.counts;
    const parts = Object.entries(c).map(([s, n]) => `${n} ${OUTCOME[s] || s}`);
    say(parts.length ? `Sinkron selesai: ${parts.join(', ')}` : 'Sinkron selesai: data sudah terbaru', 'ok');
    const status = document.getElementById('sync-status');
    status.dataset.syncs = String(Number(status.dataset.syncs || 0) + 1);
    if (store.openResults().length && location.hash !== '#/hasil') location.hash = '#/hasil';
    else rerender();
    loadProgrammeFields().catch((e) => console.warn('fields', e));  // in the background: a moved version may bring new fields
    return r;
  } catch (e) {
    if (e.status === 401) {
      notice = `Sesi berakhir. ${store.pendingCount()} perubahan tetap tersimpan di HP dan dikirim setelah Anda masuk lagi.`;
      say('Sesi berakhir: masuk lagi', 'error');
      location.hash = '#/masuk';
      route();
    } else if (e.status === 0) {
      say(`Tidak ada jaringan: ${store.pendingCount()} perubahan tetap di antrean, kirim lagi nanti`, 'error');
    } else if (!quiet || e.status) {
      say(`Sinkron gagal: ${e.message}`, 'error');
    }
    return null;
  } finally {
    bar();
  }
}

// ---------- sign-in ----------
async function afterSignIn(token) {
  session.token = token;
  const me = await get('/v1/me');
  if (store.state.meta.me?.sub && store.state.meta.me.sub !== me.sub) await store.forgetRoster();
  const districts = [...new Set(me.villages.map((v) => v.split('.').slice(0, 3).join('.')))];
  const regions = { ...(store.state.meta.regions || {}) };
  await Promise.all(districts.map(async (d) => {
    const page = await get('/v1/regions', { parent: d, limit: 200 });
    for (const v of page.items) regions[v.code] = v.name;
  }));
  const schema = fromOpenApi(await get('/v1/openapi.json'));
  await store.saveMeta({ me, regions, schema });
  notice = null;
  location.hash = '#/daftar';
  await runSync();  // and then the programmes' fields
}

// ---------- the programmes' own fields ----------
// GET /v1/programmes/{pid}/fields, kept per programme with the version it answered for: a PUT of the
// fields moves the programme's version, so after a sync only programmes whose version moved are
// asked again. The programme the officer is on is asked first and saved at once: a regency keeps
// many programmes (the test suite hundreds), and its form must not wait for all of them.
const fieldsAsked = new Map();  // programme id -> the request in flight
const fieldsStale = (p) => store.state.meta.fields?.[p.id]?.version !== p.version;
function askFields(p) {
  if (!fieldsAsked.has(p.id)) {
    fieldsAsked.set(p.id, get(`/v1/programmes/${p.id}/fields`)
      .catch(() => null)  // offline, or no such route: keep what we had
      .finally(() => fieldsAsked.delete(p.id)));
  }
  return fieldsAsked.get(p.id);
}
async function loadProgrammeFields(first = currentProgramme()) {
  if (!store.state.meta.schema?.programme_fields || !session.token) return;
  if (first && fieldsStale(first)) {
    const doc = await askFields(first);
    if (doc) await store.saveMeta((m) => ({ fields: { ...m.fields, [first.id]: doc } }));
  }
  restLoading ||= loadOtherFields().finally(() => { restLoading = null; });
  return restLoading;
}
let restLoading = null;  // one walk over the other programmes at a time
async function loadOtherFields() {
  const rest = programmes().filter(fieldsStale);
  const got = {};
  for (let i = 0; i < rest.length; i += 4) {  // a few at a time, not hundreds at once on a phone's link
    await Promise.all(rest.slice(i, i + 4).map(async (p) => { const doc = await askFields(p); if (doc) got[p.id] = doc; }));
  }
  if (Object.keys(got).length) await store.saveMeta((m) => ({ fields: { ...m.fields, ...got } }));
}

function loginScreen(el) {
  const { auth } = getConfig();
  const error = h('div');
  const guard = (fn) => async (ev) => {
    ev.preventDefault();
    error.replaceChildren();
    try { await fn(ev.target); } catch (e) {
      session.token = null;
      error.replaceChildren(h('div', { class: 'alert error' }, e.status === 0 ? 'Tidak ada jaringan: masuk perlu sinyal' : e.message));
    }
  };
  const forms = [];
  if (auth?.mode === 'cognito') {
    forms.push(h('form', { class: 'card', id: 'cognito-login', onsubmit: guard(async (f) => afterSignIn(await cognitoLogin(auth.cognito, f.username.value, f.password.value))) },
      h('h2', {}, 'Masuk dengan akun petugas'),
      h('label', { for: 'username' }, 'Nama pengguna'), h('input', { id: 'username', name: 'username', autocomplete: 'username' }),
      h('label', { for: 'password' }, 'Kata sandi'), h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password' }),
      h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Masuk'))));
  } else {
    const last = store.state.meta.me?.villages?.join(',') || '';
    forms.push(h('form', { class: 'card', id: 'local-login', onsubmit: guard(async (f) => {
      const villages = f.villages.value.split(',').map((v) => v.trim()).filter(Boolean);
      await afterSignIn((await post('/v1/local/login', { role: 'officer', villages }, { auth: false })).token);
    }) },
    h('h2', {}, 'Masuk (tahap lokal)'),
    h('label', { for: 'villages' }, 'Kode desa tugas (pisahkan dengan koma)'),
    h('input', { id: 'villages', name: 'villages', value: last, placeholder: '16.03.01.2011' }),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Masuk'))));
  }
  forms.push(h('form', { class: 'card', id: 'token-login', onsubmit: guard(async (f) => afterSignIn(f.token.value.trim())) },
    h('h2', {}, 'Atau tempel token'),
    h('label', { for: 'token' }, 'Token'), h('textarea', { id: 'token', name: 'token', rows: 3 }),
    h('p', {}, h('button', { type: 'submit' }, 'Masuk dengan token'))));
  el.replaceChildren(h('h1', {}, 'Masuk'), notice ? h('div', { class: 'alert warn', id: 'notice' }, notice) : '', error, ...forms);
}

// ---------- roster ----------
const filters = { q: '', village: '', status: '', programme: '' };
const villageName = (code) => store.state.meta.regions?.[code] || code;
const myVillages = () => store.state.meta.villages || store.state.meta.me?.villages || [];
function programmes() {
  return [...store.state.programmes.values()].sort((a, b) => (b.coverage_start || '').localeCompare(a.coverage_start || ''));
}
function currentProgramme() {
  const all = programmes();
  return all.find((p) => p.id === filters.programme) || all[0] || null;
}

function rosterScreen(el) {
  const list = h('ul', { id: 'roster' });
  const count = h('p', { class: 'muted', id: 'count' });
  const draw = () => {
    const p = currentProgramme();
    const found = store.search({ ...filters, programme: p?.id || '' });
    list.replaceChildren(...found.slice(0, 100).map((r) => h('li', { dataset: { id: r.id, status: r.status } },
      h('a', { href: `#/peserta/${r.id}` }, h('strong', {}, r.name), h('br'), h('span', { class: 'small muted' }, `${r.nik} · ${villageName(r.village_code)}`)),
      h('span', { class: `tag${r.pending ? ' pending' : ''}` }, r.pending ? 'menunggu' : STATUS[r.status] || r.status))));
    count.textContent = `${found.length} peserta${found.length > 100 ? ' (100 pertama ditampilkan)' : ''}`;
    list.dataset.count = String(found.length);
  };
  const progs = programmes();
  const open = store.openResults().length;
  el.replaceChildren(
    session.expired ? h('div', { class: 'alert warn', id: 'expired' }, 'Sesi berakhir. Perubahan tetap tersimpan di HP; ',
      h('a', { href: '#/masuk' }, 'masuk lagi'), ' saat ada sinyal untuk mengirimnya.') : '',
    open ? h('div', { class: 'alert error' }, h('a', { href: '#/hasil', id: 'open-results' }, `${open} hasil sinkron perlu tindakan`)) : '',
    progs.length > 1 ? h('select', { id: 'f-programme', onchange: (e) => { filters.programme = e.target.value; draw(); if (navigator.onLine) loadProgrammeFields().catch((e) => console.warn('fields', e)); } },
      progs.map((p) => h('option', { value: p.id, selected: p.id === currentProgramme()?.id }, `${p.code} — ${p.name}`))) : '',
    h('div', { class: 'filters' },
      h('input', { id: 'q', type: 'search', placeholder: 'Cari nama atau NIK', value: filters.q, oninput: (e) => { filters.q = e.target.value; draw(); } }),
      h('select', { id: 'f-village', onchange: (e) => { filters.village = e.target.value; draw(); } },
        h('option', { value: '' }, 'Semua desa'), myVillages().map((v) => h('option', { value: v, selected: v === filters.village }, villageName(v)))),
      h('select', { id: 'f-status', onchange: (e) => { filters.status = e.target.value; draw(); } },
        h('option', { value: '' }, 'Semua status'), Object.entries(STATUS).map(([k, v]) => h('option', { value: k, selected: k === filters.status }, v)))),
    h('div', { class: 'actions' }, h('button', { class: 'primary', id: 'add', type: 'button', disabled: !currentProgramme(),
      onclick: () => { location.hash = '#/baru'; } }, '+ Tambah peserta')),
    progs.length ? '' : h('p', { class: 'muted' }, 'Belum ada program: sinkronkan saat daring.'),
    count, list);
  draw();
}

// ---------- the form: new, edit, or fixing a rejected operation ----------
function formScreen(el, { id = null, fix = null } = {}) {
  const view = store.roster();
  const rejected = fix ? store.state.results.get(fix) : null;
  const existing = id ? view.get(id) : rejected && rejected.op.op !== 'create' ? view.get(rejected.op.id) : null;
  if (id && !existing) { el.replaceChildren(h('p', {}, 'Data tidak ditemukan di HP.')); return; }
  const p = existing ? store.state.programmes.get(existing.programme_id) : rejected ? store.state.programmes.get(rejected.op.programme_id) : currentProgramme();
  if (!p) { el.replaceChildren(h('p', {}, 'Belum ada program.')); return; }
  const values = { ...(existing || {}), ...(rejected?.op.data || {}) };
  const extras = schemaExtras(store.state.meta.schema);
  const programmeExtras = () => extraProperties(store.state.meta.fields?.[p.id], values.category);
  const photos = {};
  const status = h('div', { id: 'form-status', role: 'status' });

  const controls = {
    nik: h('input', { id: 'f-nik', name: 'nik', inputmode: 'numeric', autocomplete: 'off', value: values.nik || '', disabled: Boolean(existing) }),
    name: h('input', { id: 'f-name', name: 'name', value: values.name || '', autocomplete: 'off' }),
    birth_date: h('input', { id: 'f-birth_date', name: 'birth_date', type: 'date', value: values.birth_date || '' }),
    sex: h('select', { id: 'f-sex', name: 'sex' }, h('option', { value: '' }, '—'),
      h('option', { value: 'L', selected: values.sex === 'L' }, 'Laki-laki'), h('option', { value: 'P', selected: values.sex === 'P' }, 'Perempuan')),
    phone: h('input', { id: 'f-phone', name: 'phone', type: 'tel', inputmode: 'tel', value: values.phone || '' }),
    village_code: h('select', { id: 'f-village_code', name: 'village_code' }, myVillages().length > 1 ? h('option', { value: '' }, '—') : '',
      myVillages().map((v) => h('option', { value: v, selected: v === values.village_code }, `${villageName(v)} (${v})`))),
    category: h('select', { id: 'f-category', name: 'category' }, h('option', { value: '' }, '—'),
      (p.categories || []).map((c) => h('option', { value: c.code, selected: c.code === values.category }, c.label))),
    occupation: h('input', { id: 'f-occupation', name: 'occupation', value: values.occupation || '' }),
  };
  const extraBox = h('div', { id: 'extra-fields' });
  const drawExtras = () => {
    extraBox.replaceChildren(
      ...extras.map((x) => field(x.key, x.title || x.key, input(x.key, x, values[x.key]), x.required)),
      ...programmeExtras().map((x) => field(`extra.${x.key}`, x.title || x.key, input(`extra.${x.key}`, x, values.extra?.[x.key]), x.required)));
  };
  controls.category.addEventListener('change', () => { values.category = controls.category.value; drawExtras(); });
  drawExtras();

  const photoInput = (kind, label) => {
    const preview = h('div', { class: 'small muted', id: `photo-${kind}-info` },
      existing?.documents?.[kind] ? 'Sudah ada di server' : store.state.photos.some((j) => j.enrolment_id === existing?.id && j.kind === kind) ? 'Menunggu diunggah' : '');
    const inp = h('input', { id: `photo-${kind}`, name: `photo_${kind}`, type: 'file', accept: 'image/*', capture: 'environment',
      onchange: async (e) => {
        const file = e.target.files[0];
        if (!file) return;
        preview.textContent = 'Memperkecil foto…';
        try {
          const out = await compress(file);
          photos[kind] = out.blob;
          preview.replaceChildren(`Foto siap: ${Math.round(out.blob.size / 1024)} KB, ${out.width}×${out.height}`, h('img', { class: 'thumb', src: URL.createObjectURL(out.blob), alt: label }));
          preview.dataset.size = String(out.blob.size);
        } catch (err) { preview.textContent = err.message; }
      } });
    return h('div', { class: 'field' }, h('label', { for: inp.id }, label), inp, preview);
  };

  const showErrors = (fields, message) => {
    for (const e of el.querySelectorAll('.error[data-for]')) e.textContent = '';
    const unplaced = [];
    for (const [k, v] of Object.entries(fields || {})) {
      const slot = el.querySelector(`.error[data-for="${CSS.escape(k)}"]`);
      if (slot) slot.textContent = v; else unplaced.push(`${k}: ${v}`);
    }
    status.replaceChildren(message ? h('div', { class: 'alert error' }, [message, ...unplaced].join(' — ')) : '');
    const first = [...el.querySelectorAll('.error[data-for]')].find((e) => e.textContent);
    if (first) first.parentElement.scrollIntoView({ block: 'center' });
  };

  const collect = () => {
    const data = {};
    for (const k of KNOWN) {
      const v = controls[k].value.trim();
      if (v !== '') data[k] = v;
    }
    for (const x of extras) { const v = readInput(el.querySelector(`[name="${x.key}"]`), x); if (v !== undefined) data[x.key] = v; }
    const extra = {};
    for (const x of programmeExtras()) { const v = readInput(el.querySelector(`[name="extra.${x.key}"]`), x); if (v !== undefined) extra[x.key] = v; }
    if (Object.keys(extra).length) data.extra = extra;
    return data;
  };

  const save = async (ev) => {
    ev.preventDefault();
    const data = collect();
    const missing = {};
    for (const k of REQUIRED) if (!data[k] && !(existing && k === 'nik')) missing[k] = 'wajib diisi';
    for (const x of [...extras, ...programmeExtras()]) {
      const v = x.key in data ? data[x.key] : data.extra?.[x.key];
      if (x.required && (v === undefined || v === '')) missing[extras.includes(x) ? x.key : `extra.${x.key}`] = 'wajib diisi';
    }
    if (Object.keys(missing).length) { showErrors(missing, 'Lengkapi data yang wajib diisi'); return; }
    const problem = personProblems(existing ? existing.nik : data.nik, data.birth_date, data.sex);
    if (problem) { showErrors(problem.fields, problem.message); return; }
    const shots = Object.entries(photos).map(([kind, blob]) => ({ kind, blob }));
    let op = null;
    if (existing) {
      const diff = {};
      for (const [k, v] of Object.entries(data)) if (k !== 'nik' && JSON.stringify(v) !== JSON.stringify(existing[k])) diff[k] = v;
      for (const k of ['phone', 'occupation']) if (!(k in data) && existing[k]) diff[k] = null;
      if (Object.keys(diff).length) op = { op: 'update', programme_id: existing.programme_id, id: existing.id, version: existing.version, data: diff };
      else if (!shots.length) { showErrors({}, 'Tidak ada perubahan'); return; }
    } else {
      op = { op: 'create', programme_id: p.id, id: rejected?.op.id || store.ulid(), data };
    }
    await store.enqueue(op ? op : { id: existing.id }, shots.map((s) => ({ ...s })));
    if (rejected) await store.resolve(rejected, 'fixed');
    showErrors({});
    status.replaceChildren(h('div', { class: 'alert ok', id: 'saved' }, 'Data tersimpan di HP', navigator.onLine ? '' : ' (dikirim saat ada sinyal)'));
    say(`Tersimpan: ${data.name || existing?.name || ''}`, 'ok');
    bar();
    if (!existing) {
      for (const k of ['nik', 'name', 'birth_date', 'phone', 'occupation']) controls[k].value = '';
      controls.sex.value = '';
      for (const kind of Object.keys(photos)) delete photos[kind];
      for (const f of el.querySelectorAll('input[type=file]')) f.value = '';
      for (const i of el.querySelectorAll('[id^=photo-][id$=-info]')) i.textContent = '';
      controls.nik.focus();
    }
    if (navigator.onLine) runSync({ quiet: true });
  };

  const sections = [
    h('h1', {}, existing ? existing.name : 'Tambah peserta'),
    h('p', { class: 'small muted' }, `${p.code} — ${p.name}`),
    rejected ? h('div', { class: 'alert error', id: 'rejected' }, `Ditolak server: ${rejected.error?.message || ''}`) : '',
    h('form', { id: 'enrol-form', novalidate: true, onsubmit: save },
      ...KNOWN.map((k) => field(k, LABELS[k], controls[k], REQUIRED.has(k))),
      extraBox,
      photoInput('ktp', 'Foto KTP'),
      photoInput('consent', 'Foto surat persetujuan'),
      status,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => { location.hash = '#/daftar'; } }, 'Kembali'),
        h('button', { class: 'primary', id: 'save', type: 'submit' }, 'Simpan'))),
  ];
  if (existing) sections.push(statusSection(existing));
  el.replaceChildren(...sections);
  if (rejected) showErrors(rejected.error?.fields, rejected.error?.message);
}

function statusSection(r) {
  const next = OFFICER_NEXT[r.status] || [];
  const msg = h('div', { id: 'status-msg' });
  const reason = h('input', { id: 'f-reason', name: 'rejection_reason', placeholder: 'Alasan (mis. pindah kerja ke luar daerah)' });
  const pick = h('select', { id: 'f-new-status' }, h('option', { value: '' }, '—'), next.map((s) => h('option', { value: s }, STATUS[s])));
  const change = async () => {
    if (!pick.value) return;
    if (pick.value === 'withdrawn' && !reason.value.trim()) { msg.replaceChildren(h('div', { class: 'error' }, 'Alasan wajib diisi untuk mengundurkan diri')); return; }
    const data = { status: pick.value };
    if (reason.value.trim()) data.rejection_reason = reason.value.trim();
    await store.enqueue({ op: 'update', programme_id: r.programme_id, id: r.id, version: r.version, data });
    msg.replaceChildren(h('div', { class: 'alert ok', id: 'saved' }, 'Perubahan status tersimpan di HP'));
    bar();
    if (navigator.onLine) runSync({ quiet: true });
  };
  const remove = async () => {
    if (!window.confirm(`Hapus ${r.name} dari program? Data tetap tercatat di riwayat.`)) return;
    await store.enqueue({ op: 'delete', programme_id: r.programme_id, id: r.id, version: r.version, data: {} });
    location.hash = '#/daftar';
    if (navigator.onLine) runSync({ quiet: true });
  };
  return h('div', { class: 'card', id: 'status-card' },
    h('h2', {}, `Status: ${STATUS[r.status] || r.status}`),
    next.length ? [h('label', { for: 'f-new-status' }, 'Ubah status menjadi'), pick, h('label', { for: 'f-reason' }, 'Alasan'), reason,
      h('div', { class: 'actions' }, h('button', { type: 'button', id: 'change-status', onclick: change }, 'Ubah status'))] : h('p', { class: 'muted' }, 'Status ini tidak diubah dari lapangan.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', id: 'delete', onclick: remove }, 'Hapus peserta')),
    msg);
}

// ---------- sync results that need the officer ----------
function resultsScreen(el) {
  const open = store.openResults();
  const last = store.state.meta.last_results || [];
  const cards = open.map((r) => (r.status === 'conflict' ? conflictCard(r) : h('div', { class: 'card', dataset: { result: r.op_id, status: r.status } },
    h('h2', {}, `Ditolak: ${r.op.data?.name || store.roster().get(r.op.id)?.name || r.op.id}`),
    h('p', {}, r.error?.message || ''),
    h('ul', {}, Object.entries(r.error?.fields || {}).map(([k, v]) => h('li', {}, `${LABELS[k] || k}: ${v}`))),
    h('div', { class: 'actions' },
      r.op.op === 'delete' ? '' : h('button', { class: 'primary', type: 'button', onclick: () => { location.hash = `#/perbaiki/${r.op_id}`; } }, 'Perbaiki'),
      h('button', { type: 'button', onclick: async () => { await store.resolve(r, 'dropped'); route(); } }, 'Abaikan')))));
  el.replaceChildren(h('h1', {}, 'Hasil sinkron'),
    open.length ? '' : h('p', { class: 'muted' }, 'Tidak ada yang perlu ditindaklanjuti.'),
    ...cards,
    h('h2', {}, 'Sinkron terakhir'),
    h('ul', { class: 'results', id: 'last-results' }, last.map((r) => h('li', { dataset: { status: r.status, op: r.op_id } }, `${OUTCOME[r.status] || r.status}${r.id ? ` · ${r.id}` : ''}`))),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => { location.hash = '#/daftar'; } }, 'Kembali')));
}

function conflictCard(r) {
  const server = r.server || store.state.records.get(r.op.id) || {};
  const mine = r.op.data || {};
  const keys = Object.keys(mine);
  const show = (v) => (v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const keepMine = async () => {
    const latest = store.state.records.get(r.op.id) || server;
    await store.enqueue({ op: 'update', programme_id: r.op.programme_id, id: r.op.id, version: latest.version, data: mine });
    await store.resolve(r, 'mine');
    bar();
    if (navigator.onLine) await runSync({ quiet: true });
    route();
  };
  const takeServer = async () => { await store.resolve(r, 'server'); route(); };
  return h('div', { class: 'card conflict', dataset: { result: r.op_id, status: 'conflict' } },
    h('h2', {}, `Konflik: ${server.name || mine.name || r.op.id}`),
    h('p', { class: 'small' }, r.error?.message || 'Data sudah diubah orang lain'),
    h('table', { class: 'versions' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Isian'), h('th', {}, 'Data saya (HP)'), h('th', {}, `Data server (versi ${server.version ?? '?'})`))),
      h('tbody', {}, keys.map((k) => h('tr', { dataset: { field: k } }, h('td', {}, LABELS[k] || k),
        h('td', { class: 'mine diff' }, show(mine[k])), h('td', { class: 'server' }, show(server[k])))))),
    h('div', { class: 'actions' },
      h('button', { class: 'primary', type: 'button', id: `keep-mine-${r.op_id}`, dataset: { choice: 'mine' }, onclick: keepMine }, 'Pakai data saya'),
      h('button', { type: 'button', id: `take-server-${r.op_id}`, dataset: { choice: 'server' }, onclick: takeServer }, 'Pakai data server')));
}

// ---------- routing ----------
function rerender() {
  const el = main();
  if (['roster', 'results'].includes(el.dataset.screen)) route();
}

async function route() {
  const el = main();
  const hash = location.hash || '#/daftar';
  let screen = 'roster';
  let render = rosterScreen;
  let m;
  if (!session.token || hash === '#/masuk') { screen = 'login'; render = loginScreen; }
  else if (hash === '#/baru') { screen = 'form'; render = (e) => formScreen(e); }
  else if ((m = hash.match(/^#\/peserta\/([^/]+)$/))) { screen = 'form'; render = (e) => formScreen(e, { id: m[1] }); }
  else if ((m = hash.match(/^#\/perbaiki\/([^/]+)$/))) { screen = 'form'; render = (e) => formScreen(e, { fix: m[1] }); }
  else if (hash === '#/hasil') { screen = 'results'; render = resultsScreen; }
  delete el.dataset.screen;
  render(el);
  el.dataset.screen = screen;
  bar();
}

async function boot() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js').catch((e) => console.warn('service worker', e));
  const config = await fetch('config.json').then((r) => r.json()).catch(() => ({}));
  setConfig(config);
  await store.load();
  performance.mark('lindung:loaded');  // bench/field_app.py reads these marks
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => { bar(); if (session.token) runSync({ quiet: true }); });
  window.addEventListener('offline', bar);
  window.addEventListener('lindung:unauthenticated', () => { notice = `Sesi berakhir. ${store.pendingCount()} perubahan tetap tersimpan di HP.`; });
  document.getElementById('sync').addEventListener('click', () => runSync());
  route();
  performance.mark('lindung:drawn');
  document.body.dataset.ready = 'true';
  if (navigator.onLine && session.token && !session.expired && store.pendingCount()) runSync({ quiet: true });
}

boot().catch((e) => { console.error(e); main().replaceChildren(h('div', { class: 'alert error' }, `Aplikasi gagal dimuat: ${e.message}`)); });
export { ApiError };
