"""The import template (`GET /v1/programmes/{pid}/import-template`): an XLSX a village office fills in.

Its first sheet, *Peserta*, is what the import reads: Indonesian headers the reader knows, the
NIK, HP and KPJ columns formatted as Text (typed as numbers, Excel would keep 15 digits of a NIK),
Tanggal Lahir formatted dd/mm/yyyy, and drop-down lists (data validations) for Jenis Kelamin, Kategori
(the programme's categories, by label), Desa and Kecamatan (the regency's, or the officer's own
villages), fed from a hidden *Daftar* sheet because Excel caps an inline list at 255 characters.
*Petunjuk* explains each column and shows a sample row; the sample is there and not on *Peserta*,
so a filled-in template imports with no change (no fictional person to delete first).
Every value goes through safe_files.cell_text: no formula, no illegal character.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from chalicelib.auth import User
from chalicelib.domain import fields as extra_fields
from chalicelib.domain.safe_files import TEXT_FORMAT, cell_text
from chalicelib.services import programmes, reference

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_ROWS = 2000  # rows formatted and validated below the header
DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    note: str
    sample: str
    text: bool = False
    required: bool = False
    field: dict | None = None  # a programme's own field (domain/fields.py)


COLUMNS = (
    Column("NIK", 20, "16 digit sesuai KTP. Kolom ini berformat Teks: ketik atau tempel apa adanya.",
           "1603015708900001", text=True, required=True),
    Column("Nama Lengkap", 28, "Sesuai KTP: huruf, spasi dan . , ' - ( ) saja.", "Siti Aminah", required=True),
    Column("Tanggal Lahir", 14, "dd/mm/yyyy, mis. 17/08/1990 (atau 17 Agustus 1990).", "17/08/1990",
           required=True),
    Column("Jenis Kelamin", 10, "Pilih L (laki-laki) atau P (perempuan).", "P", required=True),
    Column("No HP", 16, "Nomor HP/WA aktif, mis. 081234567890; kosongkan atau tulis - bila tidak ada.",
           "081234567890", text=True),
    Column("Kode Desa", 16, "Kode wilayah desa (lihat sheet Daftar), mis. 16.03.01.2011.", "16.03.01.2011",
           text=True, required=True),
    Column("Desa", 22, "Pilih nama desa/kelurahan dari daftar.", "Embawang"),
    Column("Kecamatan", 20, "Pilih kecamatan dari daftar (membedakan desa yang namanya sama).", "Tanjung Agung"),
    Column("Kategori", 26, "Pilih kategori program dari daftar.", "", required=True),
    Column("Pekerjaan", 22, "Jabatan atau pekerjaan, mis. Kaur Keuangan, Linmas, Petani Sawit.", "Kaur Keuangan"),
    Column("No KPJ", 14, "Nomor KPJ BPJS Ketenagakerjaan bila sudah ada (11 digit); boleh kosong.", "", text=True),
)


_KIND = {"text": "Teks", "number": "Angka (desimal pakai koma, mis. 2,5)", "integer": "Bilangan bulat",
         "date": "Tanggal dd/mm/yyyy", "choice": "Pilih dari daftar", "boolean": "Pilih Ya atau Tidak"}


def extra_columns(programme: dict) -> list[Column]:
    """The programme's own fields after the fixed columns, headed by the Indonesian label (what
    the import reads); the note says the type, bounds, and where the field applies."""
    labels = {c["code"]: c["label"] for c in programme["categories"]}
    out = []
    for d in extra_fields.active(programme.get("fields")):
        parts = [_KIND[d["type"]]]
        if d.get("min") is not None or d.get("max") is not None:
            parts.append(f"batas {d.get('min', '…')} sampai {d.get('max', '…')}".replace(".", ","))
        if d.get("categories"):
            parts.append(("wajib" if d.get("required") else "hanya") + " untuk " +
                         ", ".join(labels.get(c, c) for c in d["categories"]))
        elif d.get("required"):
            parts.append("wajib")
        if (d.get("help") or {}).get("id"):
            parts.append(d["help"]["id"])
        out.append(Column(extra_fields.label(d), 18, "; ".join(parts) + ".", "", text=d["type"] == "text",
                          required=bool(d.get("required") and not d.get("categories")), field=d))
    return out


def _villages(user: User) -> tuple[list[dict], list[str]]:
    """(villages with their kecamatan, kecamatan names) the caller may enrol in."""
    rows = [r for r in reference.region_rows() if r["code"].startswith(user.regency + ".")]
    districts = {r["code"]: r["name"] for r in rows if r["level"] == "district"}
    villages = [{"code": r["code"], "name": r["name"], "district": districts.get(r["parent_code"], "")}
                for r in rows if r["level"] == "village" and user.can_see_village(r["code"])]
    villages.sort(key=lambda v: (v["district"], v["name"]))
    return villages, sorted({v["district"] for v in villages})


def build(programme: dict, villages: list[dict], districts: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    categories = [c["label"] for c in programme["categories"]]
    extras = extra_columns(programme)
    columns = (*COLUMNS, *extras)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Peserta"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    letter = {c.header: get_column_letter(i + 1) for i, c in enumerate(columns)}
    for i, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=i, value=cell_text(column.header))
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[get_column_letter(i)].width = column.width
        is_date = column.header == "Tanggal Lahir" or (column.field or {}).get("type") == "date"
        fmt = TEXT_FORMAT if column.text else DATE_FORMAT if is_date else None
        if fmt:
            sheet.column_dimensions[get_column_letter(i)].number_format = fmt
            for row in range(2, DATA_ROWS + 2):
                sheet.cell(row=row, column=i).number_format = fmt
    sheet.freeze_panes = "A2"

    lists = workbook.create_sheet("Daftar")
    choices = [c for c in extras if c.field["type"] == "choice"]  # their lists follow column F
    lists.append([cell_text(h) for h in ("Kategori", "Desa", "Kecamatan", "Kode Desa", "Desa (kode)",
                                          "Kecamatan (desa)", *(c.header for c in choices))])
    names = sorted({v["name"] for v in villages})
    longest = max([len(categories), len(names), len(districts), len(villages),
                   *(len(c.field["choices"]) for c in choices)])
    for i in range(longest):
        v = villages[i] if i < len(villages) else None
        lists.append([cell_text(categories[i]) if i < len(categories) else None,
                      cell_text(names[i]) if i < len(names) else None,
                      cell_text(districts[i]) if i < len(districts) else None,
                      cell_text(v["code"]) if v else None, cell_text(v["name"]) if v else None,
                      cell_text(v["district"]) if v else None,
                      *(cell_text(c.field["choices"][i]) if i < len(c.field["choices"]) else None for c in choices)])
    lists.sheet_state = "hidden"

    def dropdown(header: str, source: str, count: int, prompt: str) -> None:
        if not count:
            return
        rule = DataValidation(type="list", formula1=f"=Daftar!${source}$2:${source}${count + 1}", allow_blank=True,
                              showErrorMessage=True, errorTitle="Nilai tidak ada di daftar",
                              error=f"Pilih {prompt} dari daftar.", promptTitle=header, prompt=f"Pilih {prompt}")
        rule.add(f"{letter[header]}2:{letter[header]}{DATA_ROWS + 1}")
        sheet.add_data_validation(rule)

    sex = DataValidation(type="list", formula1='"L,P"', allow_blank=True, showErrorMessage=True,
                         errorTitle="Jenis kelamin", error="Isi L atau P.")
    sex.add(f"{letter['Jenis Kelamin']}2:{letter['Jenis Kelamin']}{DATA_ROWS + 1}")
    sheet.add_data_validation(sex)
    dropdown("Kategori", "A", len(categories), "kategori program")
    dropdown("Desa", "B", len(names), "desa/kelurahan")
    dropdown("Kecamatan", "C", len(districts), "kecamatan")
    dropdown("Kode Desa", "D", len(villages), "kode desa")
    for n, column in enumerate(choices):
        dropdown(column.header, get_column_letter(7 + n), len(column.field["choices"]), column.header)
    for column in extras:
        _validate_extra(sheet, column, letter[column.header])

    guide = workbook.create_sheet("Petunjuk")
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 18, 90
    guide.append([cell_text(f"Templat impor peserta: {programme['name']}")])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append([cell_text("Isi sheet Peserta mulai baris 2, satu orang per baris. Jangan ubah judul kolom. "
                            "Kolom bertanda * wajib. Simpan sebagai .xlsx lalu unggah di menu Impor.")])
    guide.append([])
    guide.append([cell_text("Kolom"), cell_text("Cara mengisi")])
    for column in columns:
        guide.append([cell_text(column.header + (" *" if column.required else "")), cell_text(column.note)])
    guide.append([])
    guide.append([cell_text("Contoh baris (jangan disalin ke sheet Peserta):")])
    guide.append([cell_text(c.header) for c in columns])
    sample_category = categories[0] if categories else ""
    guide.append([cell_text(c.sample or (sample_category if c.header == "Kategori" else "")) for c in columns])
    guide.append([])
    guide.append([cell_text("Kategori program ini: " + ", ".join(categories))])

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _validate_extra(sheet, column: Column, col: str) -> None:
    """Yes/no as an inline list; numbers and whole numbers within their bounds (Excel says why)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    d = column.field
    cells = f"{col}2:{col}{DATA_ROWS + 1}"
    rule = None
    if d["type"] == "boolean":
        rule = DataValidation(type="list", formula1='"Ya,Tidak"', allow_blank=True, showErrorMessage=True,
                              errorTitle=column.header, error="Isi Ya atau Tidak.")
    elif d["type"] in ("number", "integer") and (d.get("min") is not None or d.get("max") is not None):
        low, high = d.get("min", -1e15), d.get("max", 1e15)
        rule = DataValidation(type="decimal" if d["type"] == "number" else "whole", operator="between",
                              formula1=str(low), formula2=str(high), allow_blank=True, showErrorMessage=True,
                              errorTitle=column.header, error=column.note)
    if rule is not None:
        rule.add(cells)
        sheet.add_data_validation(rule)


def template(user: User, pid: str):
    from chalice import Response

    programme = programmes.get(user, pid)
    villages, districts = _villages(user)
    body = build(programme, villages, districts)
    filename = f"templat-impor-{programme['code']}.xlsx"
    return Response(body=body, status_code=200, headers={
        "Content-Type": XLSX, "Content-Disposition": f'attachment; filename="{filename}"'})
