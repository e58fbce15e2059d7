"""The import's error report: an XLSX an operator works through row by row, in Indonesian.

One line per problem: the file's line number, the NIK and name as written (to find the row in
their own file), the column as named in their file, what is wrong and what to do about it.
Rejected rows, accepted rows with a warning and ignored footer rows are told apart.
Cells go through domain.safe_files (values, never formulas; a leading ' before = + - @ tab CR),
since NIKs and names in it are whatever the uploaded file held.
"""

from __future__ import annotations

from chalicelib.domain import safe_files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["Baris", "Jenis", "NIK (seperti tertulis)", "Nama (seperti tertulis)", "Kolom", "Masalah",
           "Yang harus dilakukan", "Kode"]
TODO = {
    "NIK_INVALID": "Periksa NIK di KTP/KK: 16 digit angka; format kolom NIK sebagai Teks sebelum mengetik",
    "NIK_MISMATCH": "Samakan tanggal lahir dan jenis kelamin dengan KTP, atau perbaiki NIK",
    "DATE_INVALID": "Tulis tanggal lahir seperti 02/10/1964, 1964-10-02 atau 2 Oktober 1964",
    "SEX_INVALID": "Tulis L atau P",
    "PHONE_INVALID": "Tulis nomor HP seluler (08xx...), atau '-' bila tidak punya HP",
    "PHONE_MULTIPLE": "Periksa apakah nomor pertama yang benar; nomor kedua tidak disimpan",
    "VILLAGE_UNKNOWN": "Perbaiki nama desa (lihat nama yang mirip di pesan) atau tulis kode desa",
    "VILLAGE_AMBIGUOUS": "Isi kolom Kecamatan, atau tulis kode desa",
    "DISTRICT_UNKNOWN": "Perbaiki nama kecamatan (lihat nama yang mirip di pesan)",
    "CATEGORY_UNKNOWN": "Pakai salah satu kategori program, atau minta admin menambah jabatan ini sebagai alias",
    "REQUIRED": "Isi kolom ini",
    "DUPLICATE_IN_FILE": "Hapus baris ganda, atau perbaiki NIK salah satunya",
    "ENCODING_INVALID": "Ketik ulang huruf yang rusak; simpan berkas sebagai CSV UTF-8 atau XLSX",
    "NAME_INVALID": "Tulis nama sesuai KTP: huruf, spasi dan . , ' - ( ) saja",
    "KPJ_INVALID": "Periksa nomor KPJ dari BPJS Ketenagakerjaan",
    "STATUS_TRANSITION_INVALID": "Pakai status draft, submitted atau active (active perlu nomor KPJ)",
    "VALIDATION_FAILED": "Periksa status dan nomor KPJ",
    "IGNORED": "Tidak perlu tindakan: baris ini bukan data peserta",
}


def build(errors: list[dict], notices: list[dict], ignored_rows: list[tuple[int, str]]) -> bytes:
    lines = [(e["row"], 0, "Ditolak", e) for e in errors] + [(e["row"], 1, "Peringatan (baris diterima)", e)
                                                             for e in notices]
    lines += [(row, 2, "Diabaikan", {"row": row, "column": "", "code": "IGNORED", "message": reason})
              for row, reason in ignored_rows]
    rows = ([row, kind, e.get("nik"), e.get("name"), e.get("column"), e["message"],
             TODO.get(e["code"], "Perbaiki nilai sesuai pesan lalu unggah ulang baris ini"), e["code"]]
            for row, _, kind, e in sorted(lines, key=lambda item: (item[0], item[1])))
    return safe_files.xlsx_bytes([safe_files.SheetSpec("Kesalahan impor", HEADERS, rows, frozenset({2}),
                                                       {2: 20, 3: 28, 5: 60, 6: 50})])
