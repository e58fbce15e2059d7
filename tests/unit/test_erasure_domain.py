"""Erasure rules without AWS: the tombstone, audit redaction, scrubbing stored files, retention dates."""

from __future__ import annotations

import io
import json
from datetime import date

from openpyxl import Workbook, load_workbook

from chalicelib.domain import erasure as rules
from chalicelib.domain.enrolment import Enrolment

NIK = "1603014908850007"
NAMESAKE_NIK = "1603015504790002"
PERSON = rules.Person.of(NIK, {"Siti  Aminah"}, {"+6281377665540"})


def _enrolment(**kw) -> Enrolment:
    values = dict(id="01JX", regency="16.03", programme_id="P1", nik=NIK, name="Siti Aminah", birth_date="1985-08-09",
                  sex="P", village_code="16.03.01.2011", district_code="16.03.01", category="perangkat_desa",
                  status="active", coverage_start="2025-10-01", coverage_end="2025-12-31", version=3,
                  created_at="2025-10-01T00:00:00Z", updated_at="2025-10-02T00:00:00Z", created_by="a",
                  updated_by="b", phone="+6281377665540", occupation="buruh", kpj_number="12345678901",
                  warnings=["NIK_OTHER_REGENCY"], documents={"ktp": {"id": "d1"}},
                  extra={"kelompok": "A", "catatan": "rumah dekat masjid Siti", "punya_bpjs": True})
    values.update(kw)
    return Enrolment(**values)


def test_the_tombstone_keeps_what_is_counted_and_nothing_personal():
    fields = [{"key": "kelompok", "type": "choice"}, {"key": "punya_bpjs", "type": "boolean"},
              {"key": "catatan", "type": "text"}]
    t = rules.tombstone(_enrolment(), "2026-12-02T01:00:00Z", "admin-x", fields)
    assert (t.nik, t.name, t.birth_date, t.sex, t.phone, t.kpj_number, t.occupation) == ("", "", "", "", None, None,
                                                                                         None)
    assert t.documents == {} and t.warnings == [] and t.erased is True
    assert t.extra == {"kelompok": "A", "punya_bpjs": True}
    assert (t.category, t.village_code, t.status, t.programme_id, t.version) == (
        "perangkat_desa", "16.03.01.2011", "active", "P1", 4)
    assert t.updated_at == "2026-12-02T01:00:00Z" and t.updated_by == "admin-x"


def test_audit_values_are_redacted_and_the_status_history_stays():
    changes = {"name": [None, "Siti Aminah"], "phone": ["+6281377665540", None], "status": ["draft", "active"],
               "extra.catatan": [None, "x"], "warnings": [[], ["NIK_OTHER_REGENCY"]]}
    clean = rules.redact_changes(changes)
    assert clean == {"name": [None, "[dihapus]"], "phone": ["[dihapus]", None], "status": ["draft", "active"],
                     "extra.catatan": [None, "[dihapus]"], "warnings": ["[dihapus]", "[dihapus]"]}
    assert rules.redact_changes(clean) == clean and rules.is_redacted(clean) and not rules.is_redacted(changes)


def test_rows_match_by_nik_phone_or_name_without_another_nik():
    assert PERSON.row_matches(["3", NIK, "x"])
    assert PERSON.row_matches(["0813-7766-5540"])  # the phone as typed
    assert PERSON.row_matches(["1603 0149 0885 0007"])  # a NIK typed with spaces
    assert PERSON.row_matches(["16030149", "siti aminah"])  # a mistyped NIK: still their row
    assert not PERSON.row_matches([NAMESAKE_NIK, "Siti Aminah"])  # a namesake is someone else
    assert not PERSON.row_matches(["1603014908850008", "Rudi", "-"])


def test_a_semicolon_csv_in_windows_1252_loses_only_the_persons_rows():
    text = ("DAFTAR PEKERJA RENTAN DESA EMBAWANG;;\r\nNIK;Nama;No HP\r\n"
            f"{NIK};Siti Aminah;0813 7766 5540\r\n{NAMESAKE_NIK};Siti Aminah;-\r\n"
            "1603010101900003;Darmawan Sitompul;0852-1111-2222\r\nMengetahui, Kepala Desa;;\r\n")
    data = text.encode("cp1252")
    cleaned, removed = rules.scrub_file(data, "imports/16.03/P/I/source.csv", PERSON)
    assert removed == 1
    out = cleaned.decode("cp1252")
    assert NIK not in out and "5540" not in out
    assert NAMESAKE_NIK in out and "Darmawan Sitompul" in out and out.startswith("DAFTAR PEKERJA")
    assert rules.scrub_file(cleaned, "x.csv", PERSON) == (None, 0)  # nothing left to remove


def test_a_utf8_bom_stays_and_json_chunks_lose_the_persons_rows():
    data = b"\xef\xbb\xbfnik,name\r\n" + f"{NIK},Siti Aminah\r\n1603010101900003,Budi\r\n".encode()
    cleaned, removed = rules.scrub_file(data, "a.csv", PERSON)
    assert removed == 1 and cleaned.startswith(b"\xef\xbb\xbf") and b"Budi" in cleaned
    chunk = json.dumps([{"nik": NIK, "name": "Siti Aminah", "row": 3}, {"nik": "1603010101900003", "row": 4}])
    cleaned, removed = rules.scrub_file(chunk.encode(), "imports/x/chunks/00000.json", PERSON)
    assert removed == 1 and json.loads(cleaned) == [{"nik": "1603010101900003", "row": 4}]


def test_an_xlsx_report_loses_the_persons_rows_and_keeps_the_rest():
    book = Workbook()
    sheet = book.active
    sheet.append(["Baris", "NIK (seperti tertulis)", "Nama (seperti tertulis)", "Masalah"])
    sheet.append([3, NIK, "Siti Aminah", "NIK ganda"])
    sheet.append([4, "1603010101900003", "Budi", "Desa tidak dikenal"])
    sheet.append([5, "16030149", "Siti Aminah", "NIK bukan 16 digit"])
    raw = io.BytesIO()
    book.save(raw)
    cleaned, removed = rules.scrub_file(raw.getvalue(), "imports/x/errors.xlsx", PERSON)
    assert removed == 2
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(cleaned)).active.iter_rows()]
    assert rows == [["Baris", "NIK (seperti tertulis)", "Nama (seperti tertulis)", "Masalah"],
                    [4, "1603010101900003", "Budi", "Desa tidak dikenal"]]


def test_import_error_entries_are_scrubbed():
    errors = [{"row": 3, "nik": NIK, "name": "Siti Aminah", "code": "DUPLICATE_IN_FILE"},
              {"row": 4, "nik": "1603010101900003", "name": "Budi", "code": "VILLAGE_UNKNOWN"}]
    kept, removed = rules.scrub_rows(errors, PERSON)
    assert removed == 1 and [e["row"] for e in kept] == [4]


def test_a_reference_naming_the_person_is_noticed():
    assert PERSON.mentioned_in(f"surat {NIK}") and PERSON.mentioned_in("permintaan SITI AMINAH")
    assert PERSON.mentioned_in("hp 081377665540") and not PERSON.mentioned_in("470/112/DPMD/2026")


def test_retention_is_due_the_day_after_the_anniversary():
    assert rules.due_on("2025-12-31", 5) == date(2031, 1, 1)
    assert not rules.retention_due("2025-12-31", 5, date(2030, 12, 31))
    assert rules.retention_due("2025-12-31", 5, date(2031, 1, 1))
    assert rules.due_on("2024-02-29", 1) == date(2025, 3, 1)  # no 29 February: the 28th, then the day after
