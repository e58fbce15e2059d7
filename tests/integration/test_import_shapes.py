"""Real roster shapes over HTTP (issue #11): the walk's `;` CSV with village names and jabatan, an
XLSX with a Rekap sheet, titles and a signature footer, `.xls` refused at upload, the options an
upload names for the whole file, and aliases edited on the programme. Asserts what was stored."""

from __future__ import annotations

import io
from datetime import date

import pytest
import requests
from openpyxl import Workbook, load_workbook

from chalicelib import config
from devtools.people import nik_for
from tests.integration.helpers import VILLAGE_A, VILLAGE_B, listed, new_programme, wait_listed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WALK_HEADER = "No;NIK;Nama Lengkap;Tempat Lahir;Tanggal Lahir;Jenis Kelamin;No HP / WA;Desa;Kecamatan;Jabatan"
_serial = iter(range(3000, 9999))


@pytest.fixture()
def dispatcher(chalice_app):
    import app as app_module
    from devtools.dispatcher import Dispatcher

    return Dispatcher(app_module)


def _nik(village: str, birth: date, sex: str) -> str:
    return nik_for(village, birth, sex, next(_serial))


def _start(api, admin, pid: str, body: bytes, query: str = "", content_type: str = "text/csv"):
    return api.call("POST", f"/v1/programmes/{pid}/imports?filename=roster.csv{query}", admin, raw=body,
                    headers={"Content-Type": content_type})


def _run(api, admin, dispatcher, pid: str, body: bytes, query: str = "", content_type: str = "text/csv") -> dict:
    r = _start(api, admin, pid, body, query, content_type)
    assert r.status_code == 202, r.data
    before = len(listed(api, admin, pid))
    dispatcher.drain(config.queue_name("imports"))
    job = api.call("GET", f"/v1/imports/{r.data['import_id']}", admin).data
    wait_listed(api, admin, pid, before + (job.get("accepted") or 0))  # the list is a GSI
    return job


def _stored(api, admin, pid: str) -> dict[str, dict]:
    return {e["nik"]: e for e in listed(api, admin, pid)}


def test_the_walks_semicolon_csv_in_windows_1252_imports(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    a, b, c = (_nik(VILLAGE_A, date(1964, 10, 2), "L"), _nik(VILLAGE_B, date(1978, 3, 6), "P"),
               _nik(VILLAGE_A, date(1990, 1, 5), "L"))
    lines = ["DAFTAR PESERTA DESA;;;;;;;;;", ";;;;;;;;;", WALK_HEADER,
             f"1;{a};Zoë Pratama;Muara Enim;2 Oktober 1964;Lk;-;Desa Embawang;Tanjung Agung;Kepala Desa",
             f"2;{b};Siti Ma’ruf;Muara Enim;06/03/78;Pr;0812-3456-7890 / 0813 1111 2222;PAGAR DEWA;"
             "Kec. Tanjung Agung;Kaur Keuangan",
             f"3;{c};Joko Pratama;Lahat;05-Jan-1990;L;tidak ada;embawang;TANJUNG AGUNG;Ketua RT 003",
             f"4;{_nik(VILLAGE_A, date(1991, 1, 5), 'L')};Ali Akbar;Lahat;05/01/1991;L;;Embawangg;Tanjung Agung;"
             "Astronot",
             ";JUMLAH;;;;;;;;4", ";;;;;;;Embawang, 2 Oktober 2025;;", ";;;;;;;Mengetahui, Kepala Desa;;",
             ";;;;;;;( H. RAHMAN );;"]
    job = _run(api, admin, dispatcher, pid, ("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert (job["status"], job["encoding"], job["header_row"]) == ("done", "cp1252", 3)
    assert (job["total"], job["accepted"], job["rejected"], job["ignored_row_count"]) == (4, 3, 1, 4)
    assert [r["row"] for r in job["ignored_rows"]] == [8, 9, 10, 11]
    assert [(e["row"], e["column"], e["code"]) for e in job["errors"]] == \
        [(7, "Desa", "VILLAGE_UNKNOWN"), (7, "Jabatan", "CATEGORY_UNKNOWN")]
    assert "Embawang" in job["errors"][0]["message"] and job["errors"][0]["name"] == "Ali Akbar"
    assert [(w["row"], w["code"]) for w in job["warnings"]] == [(5, "PHONE_MULTIPLE")]
    stored = _stored(api, admin, pid)
    assert {n: (e["name"], e["birth_date"], e["sex"], e.get("phone"), e["village_code"], e["category"], e["occupation"])
            for n, e in stored.items()} == {
        a: ("Zoë Pratama", "1964-10-02", "L", None, VILLAGE_A, "kepala_desa", "Kepala Desa"),
        b: ("Siti Ma’ruf", "1978-03-06", "P", "+6281234567890", VILLAGE_B, "perangkat_desa", "Kaur Keuangan"),
        c: ("Joko Pratama", "1990-01-05", "L", None, VILLAGE_A, "rt_rw", "Ketua RT 003")}
    assert "PHONE_MULTIPLE" in stored[b]["warnings"]
    report = load_workbook(io.BytesIO(requests.get(job["error_report_url"], timeout=10).content)).active
    kinds = [(row[0], row[1]) for row in report.iter_rows(min_row=2, values_only=True)]
    assert kinds == [(5, "Peringatan (baris diterima)"), (7, "Ditolak"), (7, "Ditolak"), (8, "Diabaikan"),
                     (9, "Diabaikan"), (10, "Diabaikan"), (11, "Diabaikan")]


def _xlsx(rows_by_sheet: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in rows_by_sheet.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_a_rekap_sheet_titles_numeric_niks_and_a_footer(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    a, b = _nik(VILLAGE_A, date(1970, 2, 2), "L"), _nik(VILLAGE_A, date(1972, 3, 3), "P")
    assert not a.endswith("0")
    data = _xlsx({"Rekap": [["REKAPITULASI"], ["Desa", "Jumlah"], ["Embawang", 2]],
                  "Peserta": [["DAFTAR LINMAS"], [], ["NIK", "Nama", "Tgl. Lahir", "L/P", "NO. HP / WA", "Kode Desa",
                                                      "Jabatan"],
                              [int(a), "Iwan Gunawan", date(1970, 2, 2), "L", 81234567890, "1603012011", "Hansip"],
                              [b, "Sri Wahyuni", "3 Mar 1972", "P", "0", VILLAGE_A, "Anggota Linmas"],
                              ["TOTAL", None, None, None, None, None, 2]]})
    job = _run(api, admin, dispatcher, pid, data, content_type=XLSX)
    assert (job["status"], job["sheet"], job["header_row"]) == ("done", "Peserta", 3)
    assert (job["total"], job["accepted"], job["rejected"], job["ignored_row_count"]) == (2, 2, 0, 1)
    stored = _stored(api, admin, pid)
    assert (stored[a].get("phone"), stored[a]["category"], stored[b].get("phone")) == ("+6281234567890", "linmas", None)


def test_xls_is_refused_at_upload_with_415(api, admin):
    pid = new_programme(api, admin)["id"]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
    r = _start(api, admin, pid, ole, content_type="application/vnd.ms-excel")
    assert r.status_code == 415 and r.data["error"]["code"] == "FORMAT_UNSUPPORTED"
    assert "simpan sebagai .xlsx" in r.data["error"]["message"]
    form = api.call("POST", f"/v1/programmes/{pid}/imports/upload-url", admin, {"filename": "lama.xls"}).data
    upload = requests.post(form["url"], data=form["fields"], files={"file": ("lama.xls", ole)}, timeout=30)
    assert upload.status_code in (200, 201, 204)
    r = api.call("POST", f"/v1/programmes/{pid}/imports", admin, {"s3_key": form["s3_key"]})
    assert r.status_code == 415 and r.data["error"]["code"] == "FORMAT_UNSUPPORTED"


def test_upload_names_village_and_category_for_the_whole_file(api, admin, dispatcher):
    pid = new_programme(api, admin)["id"]
    a = _nik(VILLAGE_B, date(1980, 4, 4), "L")
    body = f"NIK;Nama;Tanggal Lahir;JK;No HP\r\n{a};Rudi Hartono;04/04/1980;L;-\r\n".encode()
    missing = _run(api, admin, dispatcher, pid, body)
    assert missing["status"] == "failed" and missing["failure"]["code"] == "HEADER_MISSING"
    bad = _start(api, admin, pid, body, "&village_code=16.03.01.2999&category=astronot")
    assert bad.status_code == 422 and set(bad.data["error"]["fields"]) == {"village_code", "category"}
    job = _run(api, admin, dispatcher, pid, body, f"&village_code={VILLAGE_B}&category=linmas")
    assert (job["status"], job["accepted"], job["options"]) == ("done", 1,
                                                                {"village_code": VILLAGE_B, "category": "linmas"})
    assert (_stored(api, admin, pid)[a]["village_code"], _stored(api, admin, pid)[a]["category"]) == \
        (VILLAGE_B, "linmas")
    doc = api.call("GET", "/v1/openapi.json", admin).data
    params = {p["name"] for p in doc["paths"]["/v1/programmes/{pid}/imports"]["post"]["parameters"]}
    assert {"village_code", "district_code", "category"} <= params


def test_aliases_are_edited_on_the_programme(api, admin, dispatcher):
    programme = new_programme(api, admin)
    pid = programme["id"]
    assert next(c for c in programme["categories"] if c["code"] == "perangkat_desa")["aliases"][:3] == \
        ["Sekretaris Desa", "Sekdes", "Kaur"]
    a = _nik(VILLAGE_A, date(1985, 5, 5), "L")
    body = f"NIK;Nama;Tanggal Lahir;JK;Kode Desa;Jabatan\r\n{a};Agus Salim;05/05/1985;L;{VILLAGE_A};Bendahara\r\n"
    first = _run(api, admin, dispatcher, pid, body.encode())
    assert [e["code"] for e in first["errors"]] == ["CATEGORY_UNKNOWN"]
    assert "Perangkat Desa" in first["errors"][0]["message"]
    categories = [{**c, "aliases": c["aliases"] + ["Bendahara"]} if c["code"] == "perangkat_desa" else c
                  for c in programme["categories"]]
    r = api.call("PATCH", f"/v1/programmes/{pid}", admin, {"categories": categories},
                 headers={"If-Match": str(programme["version"])})
    assert r.status_code == 200, r.data
    second = _run(api, admin, dispatcher, pid, body.encode())
    assert (second["accepted"], second["rejected"]) == (1, 0)
    assert _stored(api, admin, pid)[a]["category"] == "perangkat_desa"
