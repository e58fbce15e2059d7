"""Roster export for the BPJS branch's bulk BPU registration (CSV or XLSX).

Columns carry the import's Indonesian header names, so an exported file can be imported again
(tested as a round trip), plus what the branch needs to read: village and kecamatan names, and
an address line. NIK, phone and KPJ are written as text (in XLSX too: a NIK stored as a number
loses its 16th digit in Excel). Up to INLINE_MAX_ROWS rows come back in the response; larger
rosters (or `delivery=url`) are written to the imports bucket and returned as a presigned GET,
because Lambda responses stop at 6 MB.
"""

from __future__ import annotations

from datetime import date

from chalice import Response

from chalicelib.auth import User
from chalicelib.domain import fields as extra_fields
from chalicelib.domain import privacy, safe_files
from chalicelib.domain.enrolment import Enrolment
from chalicelib.services import access, optouts, programmes, reference
from chalicelib.services.deps import Deps
from chalicelib.store import enrolments as repo
from chalicelib.store.blobs import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INLINE_MAX_ROWS = 5000
URL_EXPIRES = 900
COLUMNS = ["nik", "nama", "tanggal_lahir", "jenis_kelamin", "no_hp", "kode_desa", "nama_desa", "kecamatan",
           "alamat", "kategori", "pekerjaan", "no_kpj", "status", "mulai_kepesertaan", "akhir_kepesertaan"]


def _region_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in reference.region_rows()}


def local_phone(phone: str | None) -> str:
    """+6281234567890 -> 081234567890, the form branch staff and forms use."""
    return "0" + phone[3:] if phone and phone.startswith("+62") else (phone or "")


def extra_columns(definitions: list[dict] | None) -> list[dict]:
    """The programme's own fields as export columns after the fixed ones, headed by the Indonesian
    label (what the import reads back). Retired fields too, last: their values are still data."""
    live = extra_fields.active(definitions)
    retired = [d for d in definitions or [] if d.get("removed")]
    return [*live, *retired]


def extra_headers(columns: list[dict]) -> list[str]:
    """A retired field's header says so; the import does not read it back (it is not a field now)."""
    return [extra_fields.label(d) + (" (dihapus)" if d.get("removed") else "") for d in columns]


def extra_cells(e: Enrolment, columns: list[dict]) -> list:
    """Values as a spreadsheet shows them: dates as dates, Ya/Tidak, numbers as numbers."""
    out: list = []
    for d in columns:
        value = e.extra.get(d["key"])
        if value is None:
            out.append("")
        elif d["type"] == "boolean":
            out.append("Ya" if value else "Tidak")
        elif d["type"] == "date":
            try:
                out.append(date.fromisoformat(value))
            except (TypeError, ValueError):
                out.append(str(value))
        else:
            out.append(value)
    return out


def rows(user: User, pid: str, columns: list[dict] | None = None) -> list[list]:
    """The roster as `user` may see it: viewers get NIK and phone masked (domain/privacy.py), so
    they cannot take a full roster out. The programme's own `columns` follow the fixed ones."""
    names = _region_names()
    enrolments = list(repo.programme_all(user.regency, pid))
    held = optouts.restricted(user.regency)  # an open dispute (Pasal 41) keeps a person out of exports
    enrolments = [e for e in enrolments if e.nik not in held]
    enrolments.sort(key=lambda e: (e.village_code, e.name, e.nik))
    table = [_row(e, names) for e in enrolments]
    if not privacy.sees_full(user.role):
        table = [list(privacy.mask_record(dict(zip(COLUMNS, row, strict=True)), user.role).values()) for row in table]
    return [row + extra_cells(e, columns or []) for row, e in zip(table, enrolments, strict=True)]


def _row(e: Enrolment, names: dict[str, str]) -> list:
    village, district = names.get(e.village_code, ""), names.get(e.district_code, "")
    return [e.nik, e.name, date.fromisoformat(e.birth_date), e.sex, local_phone(e.phone), e.village_code, village,
            district, f"Desa {village}, Kec. {district}", e.category, e.occupation or "", e.kpj_number or "",
            e.status, date.fromisoformat(e.coverage_start), date.fromisoformat(e.coverage_end)]


TEXT_COLUMNS = frozenset({0, 4, 5, 11})  # NIK, phone, village code, KPJ: text, never numbers


def to_csv(table: list[list], extra: list[str] | None = None) -> bytes:
    """Through safe_files: no cell can start a formula, control characters are dropped."""
    return safe_files.csv_bytes(COLUMNS + (extra or []), table)


def to_xlsx(table: list[list], extra: list[str] | None = None) -> bytes:
    return safe_files.xlsx_bytes([safe_files.SheetSpec("Peserta", COLUMNS + (extra or []), table, TEXT_COLUMNS)])


def export(deps: Deps, user: User, pid: str, fmt: str, delivery: str) -> Response | dict:
    programme = programmes.get(user, pid)
    columns = extra_columns(programme.get("fields"))
    table = rows(user, pid, columns)
    access.note(programme=pid, whole=True, rows=len(table))  # birth dates (and, for admins, NIK/HP) leave
    headers = extra_headers(columns)
    body = to_xlsx(table, headers) if fmt == "xlsx" else to_csv(table, headers)
    filename = f"peserta-{programme['code']}.{fmt}"
    content_type = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    if delivery == "url" or (delivery == "auto" and len(table) > INLINE_MAX_ROWS):
        key = f"exports/{user.regency}/{pid}/{deps.new_id()}/{filename}"
        files.put(key, body, content_type)
        return {"download_url": files.download_url(key, URL_EXPIRES, filename), "format": fmt, "rows": len(table),
                "expires_in": URL_EXPIRES}
    # text goes back as str; XLSX as bytes, which Chalice base64-encodes (a binary type in app.py)
    return Response(body=body if fmt == "xlsx" else body.decode("utf-8"), status_code=200, headers={
        "Content-Type": content_type, "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Row-Count": str(len(table))})
