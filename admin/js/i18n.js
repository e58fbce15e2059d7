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
    'dash.actual': 'Terdaftar',
    'dash.expiringNote': 'peserta aktif/diajukan, sejak pengingat pertama (H-{1} sebelum {0})',
    'dash.refresh': 'Perbarui', 'dash.computedAt': 'Dihitung {0} ({1})', 'dash.snapshot': 'ringkasan tersimpan', 'dash.fresh': 'baru dihitung',
    'dash.contributionNote': 'Iuran: Rp {0} per peserta per bulan × {1} bulan, peserta yang tidak ditolak/ditarik',
    'grid.exportAll': 'Seluruh peserta program (tanpa filter), format impor BPJS',
    'enrol.more': 'Lebih banyak', 'enrol.documents': 'Dokumen', 'enrol.noDocuments': 'Belum ada dokumen (foto KTP, surat persetujuan).',
    'enrol.doc.ktp': 'Foto KTP', 'enrol.doc.consent': 'Surat persetujuan', 'enrol.openDocument': 'Buka dokumen', 'enrol.noReminders': 'Belum ada pengingat untuk peserta ini.',
    'rh.rule_id': 'Aturan', 'rh.channel': 'Saluran', 'rh.status': 'Hasil', 'rh.recipient': 'Penerima', 'rh.sent_at': 'Waktu', 'rh.attempts': 'Percobaan',
    'rh.channel.sms': 'SMS', 'rh.channel.email': 'Email', 'rh.status.claimed': 'sedang dikirim', 'rh.status.sent': 'terkirim',
    'rh.status.failed': 'gagal', 'rh.status.skipped': 'dilewati',
    'import.help': 'Kolom wajib: nik, nama, tanggal_lahir, jenis_kelamin, kode_desa, kategori (nama kolom Indonesia atau Inggris). Baris yang salah ditolak dengan nomor barisnya; baris lain tetap masuk.',
    'import.uploading': 'Mengunggah {0}…', 'import.ignored': 'Kolom diabaikan: {0}', 'import.errorCount': '{0} baris ditolak',
    'import.errorsShown': '{0} pertama ditampilkan; laporan berisi semuanya', 'import.column': 'Kolom',
    'rem.sampleNone': 'contoh (belum ada peserta)', 'rem.smsInfo': '{0} karakter, {1} SMS, Rp {2} per peserta', 'rem.namesOver': '{0} dari {1} nama peserta program ini menjadi 2 SMS atau lebih', 'rem.waLink': 'Buka tautan WhatsApp',
    'rem.perWorker': 'SMS per peserta per periode:', 'rem.isDefault': 'aturan bawaan (belum pernah disimpan)',
    'rem.placeholders': 'Isian untuk SMS/WhatsApp: {name} {programme} {end_date} {village} {officer_contact} {days_left}; untuk email ringkasan: {programme} {end_date} {village} {officer_contact} {days_left} {count}.',
    'rem.runLive': 'Kirim sekarang…', 'rem.dryrunExplain': 'Uji coba tidak mengirim apa pun: menghitung pesan yang akan dikirim per saluran dan biaya SMS yang ditanggung Pemkab. Pengiriman langsung hanya bisa setelah uji coba.',
    'rem.confirm': 'Kirim pengingat per {4} sekarang?\n\n{0} SMS ({1} segmen) — biaya Rp {2} ditanggung Pemkab\n{3} email ringkasan (gratis)\n\nPesan yang sudah terkirim tidak dikirim ulang.',
    'rem.costTitle': 'Perkiraan biaya SMS sapuan per {0}', 'rem.costDetail': '{0} SMS, {1} segmen × Rp {2} per SMS',
    'rem.projection': 'Perkiraan seluruh periode untuk peserta yang jatuh tempo: {0} peserta, {1} SMS, Rp {2}.',
    'rem.count.considered': 'Peserta jatuh tempo', 'rem.count.sms': 'SMS', 'rem.count.email': 'Email ringkasan',
    'rem.count.whatsapp_links': 'Tautan WhatsApp (gratis)', 'rem.count.skipped': 'Dilewati (tanpa HP/sudah terkirim)',
    'rem.count.deferred': 'Ditunda (jam tenang)', 'rem.count.queued_messages': 'Pesan antre', 'rem.count.sent': 'Terkirim',
    'rem.count.failed': 'Gagal', 'rem.runStatus': 'Pengiriman', 'rem.status.planned': 'direncanakan', 'rem.status.queued': 'berjalan', 'rem.status.done': 'selesai',
    'renew.exists': 'Periode ini sudah dibuat sebelumnya: {0}', 'renew.progress': 'Perpanjangan dan kemajuannya', 'renew.none': 'Belum ada perpanjangan.',
    'renew.open': 'Pakai program baru', 'renew.status.carrying': 'memindahkan peserta…', 'renew.status.done': 'selesai',
    'renew.carried': 'Dipindahkan', 'renew.already': 'Sudah ada', 'renew.excluded': 'Tidak dipindahkan (bukan aktif/berakhir)',
    'field.template_sms': 'Teks SMS ke peserta', 'field.template_whatsapp': 'Teks WhatsApp (diteruskan petugas desa)',
    'field.template_email_subject': 'Subjek email ringkasan', 'field.template_email_intro': 'Pembuka email ringkasan',
    'field.rules': 'Jadwal pengingat', 'field.days_before': 'Hari sebelum berakhir', 'field.channels': 'Saluran',
    'field.audience': 'Penerima', 'field.quiet_hours': 'Jam tenang (WIB)', 'field.quiet_hours_on': 'Jam tenang aktif', 'field.start': 'Mulai', 'field.end': 'Selesai',
    'field.templates': 'Template pesan', 'field.admin_emails': 'Email admin', 'field.default_contact': 'Kontak bawaan',
    'field.village_contacts': 'Kontak per desa', 'field.catch_up_days': 'Hari susulan', 'field.emails': 'Email',
    'audience.worker': 'Peserta (SMS)', 'audience.village_officer': 'Petugas desa (email)', 'audience.admin': 'Admin (email)',
    'channels.sms': 'SMS', 'channels.email': 'Email',
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
    'privacy.restricted': 'Dibatasi (sengketa, Pasal 41) sejak {0}: tanpa pengingat, tidak diekspor', 'privacy.optedOut': 'Menolak SMS sejak {0} ({1})',
    'audit.at': 'Waktu', 'audit.action': 'Aksi', 'audit.actor': 'Oleh', 'audit.changes': 'Perubahan',
    'import.title': 'Impor data peserta', 'import.file': 'Berkas CSV atau XLSX (baris pertama = judul kolom)',
    'import.upload': 'Unggah', 'import.template': 'Unduh contoh CSV', 'import.status': 'Status', 'import.report': 'Unduh laporan kesalahan (CSV)',
    'import.row': 'Baris', 'import.field': 'Isian', 'import.code': 'Kode', 'import.message': 'Pesan',
    'import.total': 'Total', 'import.processed': 'Diproses', 'import.accepted': 'Diterima', 'import.rejected': 'Ditolak', 'import.already_enrolled': 'Sudah terdaftar',
    'import.queued': 'antre', 'import.running': 'berjalan', 'import.done': 'selesai', 'import.failed': 'gagal',
    'rem.title': 'Aturan pengingat', 'rem.save': 'Simpan aturan', 'rem.saved': 'Aturan tersimpan', 'rem.preview': 'Pratinjau pesan',
    'rem.sample': 'Contoh peserta', 'rem.dryrun': 'Uji coba sapuan berikutnya (tidak mengirim)', 'rem.asOf': 'Per tanggal', 'rem.run': 'Jalankan uji coba',
    'rem.chars': '{0} karakter, {1} SMS',
    'renew.title': 'Perpanjang program', 'renew.submit': 'Buat periode berikutnya', 'renew.done': 'Periode baru dibuat: {0}',
    'renew.explain': 'Membuat program periode berikutnya; peserta aktif dibawa ke periode baru.',
    'error.generic': 'Terjadi kesalahan', 'error.fields': 'Periksa kolom berikut:', 'error.network': 'Tidak bisa menghubungi server',
    'saving': 'Menyimpan…', 'loading': 'Memuat…', 'yes': 'Ya', 'no': 'Tidak', 'none': '—',
    'status.draft': 'Draf', 'status.submitted': 'Diajukan', 'status.active': 'Aktif', 'status.expired': 'Berakhir',
    'status.renewed': 'Diperpanjang', 'status.rejected': 'Ditolak', 'status.withdrawn': 'Ditarik', 'status.deceased': 'Meninggal',
    'sex.L': 'Laki-laki', 'sex.P': 'Perempuan',
    'field.id': 'ID', 'field.programme_id': 'ID program', 'field.nik': 'NIK', 'field.name': 'Nama', 'field.birth_date': 'Tanggal lahir',
    'field.sex': 'Jenis kelamin', 'field.phone': 'No. HP', 'field.village_code': 'Desa/kelurahan', 'field.district_code': 'Kecamatan',
    'field.category': 'Kategori', 'field.occupation': 'Pekerjaan', 'field.kpj_number': 'No. KPJ', 'field.status': 'Status',
    'field.rejection_reason': 'Alasan penolakan', 'field.coverage_start': 'Mulai perlindungan', 'field.coverage_end': 'Akhir perlindungan',
    'field.warnings': 'Peringatan', 'field.documents': 'Dokumen', 'field.version': 'Versi', 'field.created_at': 'Dibuat', 'field.updated_at': 'Diubah',
    'field.created_by': 'Dibuat oleh', 'field.updated_by': 'Diubah oleh', 'field.q': 'Cari nama/NIK',
    'field.code': 'Kode', 'field.funder': 'Penyandang dana', 'field.legal_basis': 'Dasar hukum', 'field.benefits': 'Manfaat',
    'field.monthly_contribution_idr': 'Iuran per bulan (Rp)', 'field.categories': 'Kategori peserta', 'field.targets': 'Target',
    'field.label': 'Nama', 'field.group': 'Kelompok', 'field.rate': 'Iuran per bulan (Rp)', 'field.as_of': 'Per tanggal',
    'field.aliases': 'Alias jabatan di berkas impor (mis. Kaur, Kepala Dusun)',
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
    'dash.actual': 'Enrolled',
    'dash.expiringNote': 'active/submitted members, from the first reminder (H-{1} before {0})',
    'dash.refresh': 'Refresh', 'dash.computedAt': 'Computed {0} ({1})', 'dash.snapshot': 'snapshot', 'dash.fresh': 'fresh',
    'dash.contributionNote': 'Contributions: IDR {0} per member per month × {1} months, members not rejected/withdrawn',
    'grid.exportAll': "Every member of the programme (no filters), in BPJS's import layout",
    'enrol.more': 'More', 'enrol.documents': 'Documents', 'enrol.noDocuments': 'No documents yet (KTP photo, consent form).',
    'enrol.doc.ktp': 'KTP photo', 'enrol.doc.consent': 'Consent form', 'enrol.openDocument': 'Open document', 'enrol.noReminders': 'No reminders for this member yet.',
    'rh.rule_id': 'Rule', 'rh.channel': 'Channel', 'rh.status': 'Outcome', 'rh.recipient': 'Recipient', 'rh.sent_at': 'When', 'rh.attempts': 'Attempts',
    'rh.channel.sms': 'SMS', 'rh.channel.email': 'Email', 'rh.status.claimed': 'sending', 'rh.status.sent': 'sent',
    'rh.status.failed': 'failed', 'rh.status.skipped': 'skipped',
    'import.help': 'Required columns: nik, nama, tanggal_lahir, jenis_kelamin, kode_desa, kategori (Indonesian or English names). Bad rows are rejected with their line number; the others are imported.',
    'import.uploading': 'Uploading {0}…', 'import.ignored': 'Columns ignored: {0}', 'import.errorCount': '{0} rows rejected',
    'import.errorsShown': 'first {0} shown; the report has them all', 'import.column': 'Column',
    'rem.sampleNone': 'sample (no members yet)', 'rem.smsInfo': '{0} characters, {1} SMS, IDR {2} per member', 'rem.namesOver': '{0} of this programme\'s {1} member names take 2 SMS or more', 'rem.waLink': 'Open WhatsApp link',
    'rem.perWorker': 'SMS per member per period:', 'rem.isDefault': 'default rules (never saved)',
    'rem.placeholders': 'SMS/WhatsApp placeholders: {name} {programme} {end_date} {village} {officer_contact} {days_left}; digest email: {programme} {end_date} {village} {officer_contact} {days_left} {count}.',
    'rem.runLive': 'Send now…', 'rem.dryrunExplain': 'A dry run sends nothing: it counts the messages per channel and the SMS cost the regency pays. A live run is only possible after a dry run.',
    'rem.confirm': 'Send the reminders due on {4} now?\n\n{0} SMS ({1} segments) — IDR {2} paid by the regency\n{3} digest emails (free)\n\nAnything sent already is not sent again.',
    'rem.costTitle': 'Estimated SMS cost of the sweep on {0}', 'rem.costDetail': '{0} SMS, {1} segments × IDR {2} per SMS',
    'rem.projection': 'Whole-period estimate for the members due: {0} members, {1} SMS, IDR {2}.',
    'rem.count.considered': 'Members due', 'rem.count.sms': 'SMS', 'rem.count.email': 'Digest emails',
    'rem.count.whatsapp_links': 'WhatsApp links (free)', 'rem.count.skipped': 'Skipped (no phone/sent already)',
    'rem.count.deferred': 'Deferred (quiet hours)', 'rem.count.queued_messages': 'Queued messages', 'rem.count.sent': 'Sent',
    'rem.count.failed': 'Failed', 'rem.runStatus': 'Sending', 'rem.status.planned': 'planned', 'rem.status.queued': 'running', 'rem.status.done': 'done',
    'renew.exists': 'This period existed already: {0}', 'renew.progress': 'Renewals and their progress', 'renew.none': 'No renewal yet.',
    'renew.open': 'Use the new programme', 'renew.status.carrying': 'carrying members over…', 'renew.status.done': 'done',
    'renew.carried': 'Carried over', 'renew.already': 'Already there', 'renew.excluded': 'Not carried (not active/expired)',
    'field.template_sms': 'SMS to the member', 'field.template_whatsapp': 'WhatsApp text (forwarded by village officers)',
    'field.template_email_subject': 'Digest email subject', 'field.template_email_intro': 'Digest email opening',
    'field.rules': 'Reminder schedule', 'field.days_before': 'Days before the end', 'field.channels': 'Channels',
    'field.audience': 'Recipients', 'field.quiet_hours': 'Quiet hours (WIB)', 'field.quiet_hours_on': 'Quiet hours on', 'field.start': 'From', 'field.end': 'To',
    'field.templates': 'Message templates', 'field.admin_emails': 'Admin emails', 'field.default_contact': 'Default contact',
    'field.village_contacts': 'Village contacts', 'field.catch_up_days': 'Catch-up days', 'field.emails': 'Emails',
    'audience.worker': 'Members (SMS)', 'audience.village_officer': 'Village officers (email)', 'audience.admin': 'Admins (email)',
    'channels.sms': 'SMS', 'channels.email': 'Email',
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
    'privacy.restricted': 'Restricted (dispute, Pasal 41) since {0}: no reminders, not exported', 'privacy.optedOut': 'No SMS since {0} ({1})',
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

// Impor: KPJ list, template, Ajukan ke BPJS (issue 11). Kept in one block so other screens' keys merge cleanly.
Object.assign(DICT.id, {
  'import.kind': 'Jenis berkas', 'import.kind.roster': 'Daftar peserta (untuk didaftarkan)',
  'import.kind.kpj': 'Daftar KPJ dari BPJS (mengaktifkan peserta)',
  'import.template': 'Unduh templat', 'import.templateHelp': 'Templat XLSX: judul kolom, daftar pilihan dan petunjuk pengisian.',
  'import.kpjHelp': 'Daftar dari kantor cabang BPJS: kolom NIK dan No KPJ (boleh juga Tgl Efektif, Status). Peserta draft/diajukan dengan NIK itu menjadi aktif dengan nomor KPJ tersebut; mengunggah ulang tidak mengubah apa pun.',
  'import.errorCount': '{0} kesalahan pada {1} baris ditolak',
  'import.activated': 'Diaktifkan', 'import.already_active': 'Sudah aktif', 'import.not_found': 'NIK tidak ada',
  'import.conflicts': 'Bentrok KPJ',
  'submit.title': 'Ajukan ke BPJS', 'submit.help': 'Ubah status peserta draft menjadi diajukan (dikirim ke kantor cabang BPJS), untuk seluruh program atau satu desa. Peserta yang bukan draft tidak diubah.',
  'submit.village': 'Desa', 'submit.all': '— seluruh program —', 'submit.go': 'Ajukan ke BPJS',
  'submit.confirm': 'Ajukan semua peserta draft {0} ke BPJS?', 'submit.running': 'Mengajukan… {0} diajukan',
  'submit.done': 'Selesai: {0} peserta diajukan, {1} dilewati', 'submit.selected': 'Ajukan yang dipilih ke BPJS',
  'grid.bulkProgress': 'Mengubah status… {0} dari {1}',
  'audit.action.create': 'dibuat', 'audit.action.update': 'diubah', 'audit.action.delete': 'ditarik',
  'field.import_id': 'Impor', 'field.submission_id': 'Pengajuan ke BPJS', 'field.kpj_effective_date': 'Tanggal efektif KPJ',
  'field.deleted': 'Ditarik', 'field.warnings': 'Peringatan', 'field.eligibility': 'Batas usia',
  'help.rate': 'Kosongkan untuk memakai iuran program lama', 'role.system': 'Sistem',
});
Object.assign(DICT.en, {
  'import.kind': 'File type', 'import.kind.roster': 'Roster (people to enrol)',
  'import.kind.kpj': "BPJS branch's KPJ list (activates members)",
  'import.template': 'Download template', 'import.templateHelp': 'XLSX template: column headers, drop-down lists and instructions.',
  'import.kpjHelp': "The BPJS branch's list: NIK and KPJ number columns (optionally effective date, status). Draft/submitted members with that NIK become active with that KPJ; uploading it again changes nothing.",
  'import.errorCount': '{0} errors in {1} rejected rows',
  'import.activated': 'Activated', 'import.already_active': 'Already active', 'import.not_found': 'NIK not found',
  'import.conflicts': 'KPJ conflicts',
  'submit.title': 'Submit to BPJS', 'submit.help': 'Move draft members to submitted (sent to the BPJS branch), for the whole programme or one village. Members that are not drafts are left as they are.',
  'submit.village': 'Village', 'submit.all': '— whole programme —', 'submit.go': 'Submit to BPJS',
  'submit.confirm': 'Submit every draft member of {0} to BPJS?', 'submit.running': 'Submitting… {0} submitted',
  'submit.done': 'Done: {0} members submitted, {1} skipped', 'submit.selected': 'Submit selected to BPJS',
  'grid.bulkProgress': 'Changing status… {0} of {1}',
  'audit.action.create': 'created', 'audit.action.update': 'changed', 'audit.action.delete': 'withdrawn',
  'field.import_id': 'Import', 'field.submission_id': 'Submission to BPJS', 'field.kpj_effective_date': 'KPJ effective date',
  'field.deleted': 'Withdrawn', 'field.warnings': 'Warnings', 'field.eligibility': 'Age bounds',
  'help.rate': "Leave empty to keep the old programme's rate", 'role.system': 'System',
});

const MONTHS = { id: ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] };
/** '2025-12-31' -> '31 Desember 2025' (texts); dd/mm/yyyy is what forms show (dateShort). */
export function dateText(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso ?? ''));
  return m ? `${Number(m[3])} ${(MONTHS[lang] || MONTHS.id)[Number(m[2]) - 1]} ${m[1]}` : String(iso ?? '');
}
export const dateShort = (iso) => String(iso ?? '').replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3/$2/$1');
/** A key's translation, or null when there is none (t() answers the key itself). */
export const maybe = (key) => (DICT[lang]?.[key] ?? null);

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
