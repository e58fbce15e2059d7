// Bahasa Indonesia first; English switchable. Field labels fall back to the schema's own title,
// so a field added to the API appears with a readable label before anyone translates it.
const DICT = {
  id: {
    'nav.dashboard': 'Dasbor', 'nav.enrolments': 'Peserta', 'nav.imports': 'Impor', 'nav.reminders': 'Pengingat',
    'nav.programmes': 'Program', 'nav.renew': 'Perpanjang', 'logout': 'Keluar', 'lang.switch': 'EN',
    'login.title': 'Masuk ke Lindung', 'login.local': 'Masuk (lingkungan lokal)', 'login.role': 'Peran',
    'login.villages': 'Kode desa (untuk petugas, pisahkan dengan koma)', 'login.submit': 'Masuk',
    'login.paste': 'Atau tempel token', 'login.token': 'Token (JWT)', 'login.cognito': 'Masuk dengan akun Cognito',
    'login.username': 'Nama pengguna', 'login.password': 'Kata sandi', 'role.admin': 'Admin', 'role.officer': 'Petugas desa', 'role.viewer': 'Pemantau',
    'programme.none': 'Belum ada program. Buat program dulu.', 'programme.pick': 'Pilih program',
    'programmes.title': 'Program', 'programmes.new': 'Program baru', 'programmes.create': 'Simpan program',
    'programmes.edit': 'Ubah program', 'programmes.targets': 'Target per kategori/kelompok', 'programmes.saveTargets': 'Simpan target',
    'programmes.use': 'Pakai', 'programmes.created': 'Program dibuat', 'programmes.saved': 'Program disimpan',
    'programmes.targetsLater': 'Target diisi setelah program dibuat (kategori menentukan kolomnya).',
    'dash.title': 'Dasbor', 'dash.total': 'Terdaftar', 'dash.target': 'Target', 'dash.progress': 'Capaian',
    'dash.contribution': 'Iuran periode (Rp)', 'dash.daysLeft': 'Hari sampai berakhir', 'dash.expiring': 'Segera berakhir',
    'dash.byCategory': 'Per kategori: terdaftar vs target', 'dash.byDistrict': 'Per kecamatan', 'dash.byStatus': 'Per status',
    'dash.actual': 'Terdaftar', 'dash.fallback': 'Ringkasan server belum tersedia; angka dihitung di peramban dari {0} data peserta.',
    'dash.expiringNote': 'peserta aktif/diajukan yang perlindungannya berakhir {0}',
    'grid.title': 'Peserta', 'grid.search': 'Cari nama/NIK', 'grid.apply': 'Terapkan', 'grid.reset': 'Atur ulang',
    'grid.prev': '‹ Sebelumnya', 'grid.next': 'Berikutnya ›', 'grid.page': 'Halaman {0}', 'grid.perPage': 'Per halaman',
    'grid.selected': '{0} dipilih', 'grid.bulkStatus': 'Ubah status terpilih ke', 'grid.bulkApply': 'Ubah status',
    'grid.bulkDone': '{0} berhasil, {1} gagal', 'grid.export': 'Ekspor', 'grid.new': 'Tambah peserta', 'grid.any': '— semua —',
    'grid.empty': 'Tidak ada data yang cocok', 'grid.open': 'Buka',
    'enrol.new': 'Peserta baru', 'enrol.create': 'Simpan peserta', 'enrol.created': 'Peserta tersimpan',
    'enrol.detail': 'Detail peserta', 'enrol.save': 'Simpan perubahan', 'enrol.saved': 'Perubahan tersimpan',
    'enrol.stale': 'Data ini sudah diubah orang lain (versi {0}) setelah Anda membukanya. Muat ulang untuk melihat versi terbaru, lalu ulangi perubahan Anda.',
    'enrol.reload': 'Muat ulang', 'enrol.audit': 'Riwayat perubahan', 'enrol.reminders': 'Riwayat pengingat',
    'enrol.readonly': 'Data sistem', 'enrol.noChanges': 'Tidak ada perubahan', 'enrol.withdraw': 'Tarik kepesertaan',
    'audit.at': 'Waktu', 'audit.action': 'Aksi', 'audit.actor': 'Oleh', 'audit.changes': 'Perubahan',
    'import.title': 'Impor data peserta', 'import.file': 'Berkas CSV atau XLSX (baris pertama = judul kolom)',
    'import.upload': 'Unggah', 'import.template': 'Unduh contoh CSV', 'import.status': 'Status', 'import.report': 'Unduh laporan kesalahan (CSV)',
    'import.row': 'Baris', 'import.field': 'Kolom', 'import.code': 'Kode', 'import.message': 'Pesan',
    'import.total': 'Total', 'import.processed': 'Diproses', 'import.accepted': 'Diterima', 'import.rejected': 'Ditolak', 'import.already_enrolled': 'Sudah terdaftar',
    'import.queued': 'antre', 'import.running': 'berjalan', 'import.done': 'selesai', 'import.failed': 'gagal',
    'rem.title': 'Aturan pengingat', 'rem.save': 'Simpan aturan', 'rem.saved': 'Aturan tersimpan', 'rem.preview': 'Pratinjau pesan',
    'rem.sample': 'Contoh peserta', 'rem.dryrun': 'Uji coba sapuan berikutnya (tidak mengirim)', 'rem.asOf': 'Per tanggal', 'rem.run': 'Jalankan uji coba',
    'rem.chars': '{0} karakter, {1} SMS',
    'renew.title': 'Perpanjang program', 'renew.submit': 'Buat periode berikutnya', 'renew.done': 'Periode baru dibuat: {0}',
    'renew.explain': 'Membuat program periode berikutnya; peserta aktif dibawa ke periode baru.',
    'missing': 'Fitur ini belum tersedia di server (endpoint {0} belum ada). Layar ini akan bekerja setelah fitur server digabung.',
    'error.generic': 'Terjadi kesalahan', 'error.fields': 'Periksa kolom berikut:', 'error.network': 'Tidak bisa menghubungi server',
    'saving': 'Menyimpan…', 'loading': 'Memuat…', 'yes': 'Ya', 'no': 'Tidak', 'none': '—',
    'status.draft': 'Draf', 'status.submitted': 'Diajukan', 'status.active': 'Aktif', 'status.expired': 'Berakhir',
    'status.renewed': 'Diperpanjang', 'status.rejected': 'Ditolak', 'status.withdrawn': 'Ditarik', 'status.deceased': 'Meninggal',
    'sex.L': 'Laki-laki', 'sex.P': 'Perempuan',
    'field.id': 'ID', 'field.programme_id': 'ID program', 'field.nik': 'NIK', 'field.name': 'Nama', 'field.birth_date': 'Tanggal lahir',
    'field.sex': 'Jenis kelamin', 'field.phone': 'No. HP', 'field.village_code': 'Desa/kelurahan', 'field.district_code': 'Kecamatan',
    'field.category': 'Kategori', 'field.occupation': 'Pekerjaan', 'field.kpj_number': 'No. KPJ', 'field.status': 'Status',
    'field.rejection_reason': 'Alasan penolakan', 'field.coverage_start': 'Mulai perlindungan', 'field.coverage_end': 'Akhir perlindungan',
    'field.warnings': 'Peringatan', 'field.version': 'Versi', 'field.created_at': 'Dibuat', 'field.updated_at': 'Diubah',
    'field.created_by': 'Dibuat oleh', 'field.updated_by': 'Diubah oleh', 'field.q': 'Cari nama/NIK',
    'field.code': 'Kode', 'field.funder': 'Penyandang dana', 'field.legal_basis': 'Dasar hukum', 'field.benefits': 'Manfaat',
    'field.monthly_contribution_idr': 'Iuran per bulan (Rp)', 'field.categories': 'Kategori peserta', 'field.targets': 'Target',
    'field.label': 'Nama', 'field.group': 'Kelompok', 'field.rate': 'Iuran per bulan (Rp)', 'field.as_of': 'Per tanggal',
  },
  en: {
    'nav.dashboard': 'Dashboard', 'nav.enrolments': 'Enrolments', 'nav.imports': 'Import', 'nav.reminders': 'Reminders',
    'nav.programmes': 'Programmes', 'nav.renew': 'Renew', 'logout': 'Log out', 'lang.switch': 'ID',
    'login.title': 'Sign in to Lindung', 'login.local': 'Sign in (local stack)', 'login.role': 'Role',
    'login.villages': 'Village codes (officers, comma-separated)', 'login.submit': 'Sign in',
    'login.paste': 'Or paste a token', 'login.token': 'Token (JWT)', 'login.cognito': 'Sign in with your Cognito account',
    'login.username': 'Username', 'login.password': 'Password', 'role.admin': 'Admin', 'role.officer': 'Village officer', 'role.viewer': 'Viewer',
    'programme.none': 'No programme yet. Create one first.', 'programme.pick': 'Choose a programme',
    'programmes.title': 'Programmes', 'programmes.new': 'New programme', 'programmes.create': 'Save programme',
    'programmes.edit': 'Edit programme', 'programmes.targets': 'Targets per category/group', 'programmes.saveTargets': 'Save targets',
    'programmes.use': 'Use', 'programmes.created': 'Programme created', 'programmes.saved': 'Programme saved',
    'programmes.targetsLater': 'Targets are set after the programme exists (its categories decide the fields).',
    'dash.title': 'Dashboard', 'dash.total': 'Enrolled', 'dash.target': 'Target', 'dash.progress': 'Progress',
    'dash.contribution': 'Period contributions (IDR)', 'dash.daysLeft': 'Days until end', 'dash.expiring': 'Expiring soon',
    'dash.byCategory': 'By category: enrolled vs target', 'dash.byDistrict': 'By district', 'dash.byStatus': 'By status',
    'dash.actual': 'Enrolled', 'dash.fallback': 'Server summary not available yet; figures computed in the browser from {0} enrolments.',
    'dash.expiringNote': 'active/submitted members whose cover ends {0}',
    'grid.title': 'Enrolments', 'grid.search': 'Search name/NIK', 'grid.apply': 'Apply', 'grid.reset': 'Reset',
    'grid.prev': '‹ Previous', 'grid.next': 'Next ›', 'grid.page': 'Page {0}', 'grid.perPage': 'Per page',
    'grid.selected': '{0} selected', 'grid.bulkStatus': 'Change selected to', 'grid.bulkApply': 'Change status',
    'grid.bulkDone': '{0} succeeded, {1} failed', 'grid.export': 'Export', 'grid.new': 'Add enrolment', 'grid.any': '— any —',
    'grid.empty': 'Nothing matches', 'grid.open': 'Open',
    'enrol.new': 'New enrolment', 'enrol.create': 'Save enrolment', 'enrol.created': 'Enrolment saved',
    'enrol.detail': 'Enrolment', 'enrol.save': 'Save changes', 'enrol.saved': 'Changes saved',
    'enrol.stale': 'Someone else changed this record (now version {0}) after you opened it. Reload to see the latest, then redo your change.',
    'enrol.reload': 'Reload', 'enrol.audit': 'Change history', 'enrol.reminders': 'Reminder history',
    'enrol.readonly': 'System data', 'enrol.noChanges': 'Nothing changed', 'enrol.withdraw': 'Withdraw',
    'audit.at': 'When', 'audit.action': 'Action', 'audit.actor': 'By', 'audit.changes': 'Changes',
    'import.title': 'Import enrolments', 'import.file': 'CSV or XLSX file (first row = column names)',
    'import.upload': 'Upload', 'import.template': 'Download sample CSV', 'import.status': 'Status', 'import.report': 'Download error report (CSV)',
    'import.row': 'Row', 'import.field': 'Field', 'import.code': 'Code', 'import.message': 'Message',
    'import.total': 'Total', 'import.processed': 'Processed', 'import.accepted': 'Accepted', 'import.rejected': 'Rejected', 'import.already_enrolled': 'Already enrolled',
    'import.queued': 'queued', 'import.running': 'running', 'import.done': 'done', 'import.failed': 'failed',
    'rem.title': 'Reminder rules', 'rem.save': 'Save rules', 'rem.saved': 'Rules saved', 'rem.preview': 'Message preview',
    'rem.sample': 'Sample member', 'rem.dryrun': 'Dry-run of the next sweep (sends nothing)', 'rem.asOf': 'As of', 'rem.run': 'Run dry-run',
    'rem.chars': '{0} characters, {1} SMS',
    'renew.title': 'Renew programme', 'renew.submit': 'Create next period', 'renew.done': 'New period created: {0}',
    'renew.explain': "Creates the next period's programme; active members are carried over.",
    'missing': 'This feature is not on the server yet (endpoint {0} is missing). The screen works once the server feature is merged.',
    'error.generic': 'Something went wrong', 'error.fields': 'Check these fields:', 'error.network': 'Cannot reach the server',
    'saving': 'Saving…', 'loading': 'Loading…', 'yes': 'Yes', 'no': 'No', 'none': '—',
    'status.draft': 'Draft', 'status.submitted': 'Submitted', 'status.active': 'Active', 'status.expired': 'Expired',
    'status.renewed': 'Renewed', 'status.rejected': 'Rejected', 'status.withdrawn': 'Withdrawn', 'status.deceased': 'Deceased',
    'sex.L': 'Male', 'sex.P': 'Female',
    'field.nik': 'NIK', 'field.name': 'Name', 'field.birth_date': 'Birth date', 'field.sex': 'Sex', 'field.phone': 'Phone',
    'field.village_code': 'Village', 'field.district_code': 'District', 'field.category': 'Category', 'field.occupation': 'Occupation',
    'field.kpj_number': 'KPJ no.', 'field.status': 'Status', 'field.rejection_reason': 'Rejection reason', 'field.q': 'Search name/NIK',
    'field.monthly_contribution_idr': 'Monthly contribution (IDR)', 'field.rate': 'Monthly contribution (IDR)',
  },
};

let lang = localStorage.getItem('lindung.lang') || 'id';

export const currentLang = () => lang;
export function setLang(value) {
  lang = value;
  localStorage.setItem('lindung.lang', value);
  document.documentElement.lang = value;
}

/** t('grid.page', 2) -> "Halaman 2"; unknown keys fall back to English, then to the key. */
export function t(key, ...args) {
  const text = DICT[lang][key] ?? DICT.en[key] ?? DICT.id[key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

/** A field's label: our translation, else the schema's title, else the name itself. */
export function label(name, schema) {
  const key = `field.${name}`;
  if (lang === 'en') return DICT.en[key] ?? schema?.title ?? DICT.id[key] ?? name;
  return DICT.id[key] ?? schema?.title ?? name;
}

export function enumLabel(name, value) {
  const key = `${name}.${value}`;
  return DICT[lang][key] ?? DICT.id[key] ?? value;
}

export const number = (n) => (n ?? 0).toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB');
