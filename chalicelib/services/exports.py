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
from chalicelib.domain import privacy, safe_files
from chalicelib.domain.enrolment import Enrolment
from chalicelib.services import access, optouts, programmes, reference
from chalicelib.services.deps import Deps
from chalicelib.store import enrolments as repo
from chalicelib.store import files

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


def rows(user: User, pid: str) -> list[list]:
    """The roster as `user` may see it: viewers get NIK and phone masked (domain/privacy.py), so
    they cannot take a full roster out."""
    names = _region_names()
    enrolments = [repo.from_model(m) for m in repo.query_programme(user.regency, pid, {}, None, None, QUERY_LIMIT)]
    held = optouts.restricted(user.regency)  # an open dispute (Pasal 41) keeps a person out of exports
    enrolments = [e for e in enrolments if e.nik not in held]
    enrolments.sort(key=lambda e: (e.village_code, e.name, e.nik))
    table = [_row(e, names) for e in enrolments]
    if not privacy.sees_full(user.role):
        table = [list(privacy.mask_record(dict(zip(COLUMNS, row, strict=True)), user.role).values()) for row in table]
    return table


def _row(e: Enrolment, names: dict[str, str]) -> list:
    village, district = names.get(e.village_code, ""), names.get(e.district_code, "")
    return [e.nik, e.name, date.fromisoformat(e.birth_date), e.sex, local_phone(e.phone), e.village_code, village,
            district, f"Desa {village}, Kec. {district}", e.category, e.occupation or "", e.kpj_number or "",
            e.status, date.fromisoformat(e.coverage_start), date.fromisoformat(e.coverage_end)]


# Limit per Query page: DynamoDB stops a page at 1 MB anyway (~1,500 enrolments), so this only keeps
# the pages that large; the old 500 made 54 pages of a 26,775-row roster instead of ~18.
QUERY_LIMIT = 10_000
TEXT_COLUMNS = frozenset({0, 4, 5, 11})  # NIK, phone, village code, KPJ: text, never numbers


def to_csv(table: list[list]) -> bytes:
    """Through safe_files: no cell can start a formula, control characters are dropped."""
    return safe_files.csv_bytes(COLUMNS, table)


def to_xlsx(table: list[list]) -> bytes:
    return safe_files.xlsx_bytes([safe_files.SheetSpec("Peserta", COLUMNS, table, TEXT_COLUMNS)])


def export(deps: Deps, user: User, pid: str, fmt: str, delivery: str) -> Response | dict:
    programme = programmes.get(user, pid)
    table = rows(user, pid)
    access.note(programme=pid, whole=True, rows=len(table))  # birth dates (and, for admins, NIK/HP) leave
    body = to_xlsx(table) if fmt == "xlsx" else to_csv(table)
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
