"""The access report (services/report.py) as a printable PDF in Bahasa Indonesia (domain/text_pdf.py).

Core PDF fonts cover Latin-1 only, which is what names typed in Muara Enim rosters use; any
other character is replaced by `?` rather than failing the report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.fields import show_number as extra_show
from chalicelib.domain.reminders import format_date_id
from chalicelib.domain.text_pdf import TextPdf

_STATUS = {"draft": "draf", "submitted": "diajukan", "active": "aktif", "rejected": "ditolak",
           "expired": "berakhir", "withdrawn": "ditarik"}
_SEX = {"L": "Laki-laki", "P": "Perempuan"}


def _text(value: Any) -> str:
    return str("-" if value in (None, "") else value).encode("latin-1", "replace").decode("latin-1")


def _day(value: Any) -> str:
    if not value:
        return "-"
    try:
        return format_date_id(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return _text(value)


def _extra(field: dict) -> str:
    value, kind = field["value"], field["type"]
    if kind == "boolean":
        return "ya" if value else "tidak"
    if kind == "date":
        return _day(value)
    if isinstance(value, float):
        return _text(extra_show(value))
    return _text(value)


def render(report: dict) -> bytes:
    pdf = TextPdf("Laporan Data Pribadi")

    def heading(text: str, size: int = 12) -> None:
        pdf.font("B", size)
        pdf.space(2)
        pdf.text(_text(text), 7)
        pdf.font("", 10)

    def line(text: str) -> None:
        pdf.text(_text(text), 5)

    def row(label: str, value: Any) -> None:
        pdf.row(_text(label), _text(value))

    person = report["person"]
    heading("Laporan Data Pribadi yang Disimpan", 15)
    line("Menurut UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi, Pasal 32 "
         f"(dibuat {_text(report['generated_at'])} oleh {_text(report['generated_by'])}).")
    heading("1. Data diri")
    row("NIK", person["nik"])
    row("Nama", person["name"])
    row("Tanggal lahir", _day(person["birth_date"]))
    row("Jenis kelamin", _SEX.get(person["sex"], person["sex"]))
    row("Nomor HP", person.get("phone"))
    row("Kode desa", person["village_code"])
    opt_out, restriction = report.get("sms_opt_out"), report.get("restriction")
    row("Menolak SMS", f"ya, sejak {_day(opt_out['asked_on'])} ({opt_out['asked_via']})" if opt_out else "tidak")
    row("Pembatasan (Pasal 41)",
        f"ya, sejak {_day(restriction['opened_on'])}: {restriction['reason']}" if restriction else "tidak ada")

    heading("2. Kepesertaan")
    if not report["enrolments"]:
        line("Tidak ada data kepesertaan.")
    for i, held in enumerate(report["enrolments"], 1):
        e = held["enrolment"]
        pdf.font("B", 10)
        line(f"2.{i} Program {e['programme_id']}: {_day(e['coverage_start'])} - {_day(e['coverage_end'])}")
        pdf.font("", 10)
        row("Status", _STATUS.get(e["status"], e["status"]))
        row("Kategori / pekerjaan", f"{e['category']} / {e.get('occupation') or '-'}")
        row("Nomor KPJ", e.get("kpj_number"))
        for f in held.get("extra_fields", ()):
            row(f["label"] + (" (dihapus)" if f["removed"] else ""), _extra(f))
        line("Riwayat status:")
        for step in held["status_history"]:
            line(f"  - {_text(step['at'])}: {_STATUS.get(step['status'] or '', step['status'])} (oleh {step['by']})")
        line("Pengingat terkirim:" if held["reminders"] else "Pengingat terkirim: belum ada")
        for r in held["reminders"]:
            line(f"  - {_text(r.get('sent_at') or r.get('claimed_at'))}: {r.get('channel')} ke "
                 f"{r.get('recipient')} ({r.get('status')})")
        line("Dokumen disimpan (nama, bukan isi):" if held["documents"] else "Dokumen disimpan: tidak ada")
        for d in held["documents"]:
            line(f"  - {d['name']} ({d.get('content_type')}, {d.get('size')} bita, diunggah "
                 f"{_text(d.get('uploaded_at'))} oleh {d.get('uploaded_by')})")

    heading("3. Siapa yang membaca data ini")
    if not report["accesses"]:
        line("Belum ada catatan akses.")
    for a in report["accesses"]:
        what = "seluruh daftar program (ekspor)" if a.get("whole_roster") else ", ".join(a["enrolment_ids"])
        line(f"- {_text(a['at'])}: {a['actor']} ({a['actor_role']}), {a['method']} {a['route']}: {what}")
    pdf.space(4)
    pdf.font("I", 9)
    line("Dokumen ini memuat data pribadi. Serahkan hanya kepada subjek data atau kuasanya.")
    return pdf.output()
