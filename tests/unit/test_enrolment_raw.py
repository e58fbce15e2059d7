"""store/enrolments.from_raw (the export's lean read) gives exactly what PynamoDB's from_raw_data
and from_model give for the same DynamoDB JSON, including absent attributes, NULLs, an erased
tombstone and the programme's own fields (nested maps, lists, numbers, booleans)."""

from __future__ import annotations

import pytest

from chalicelib.domain.enrolment import Enrolment
from chalicelib.store import enrolments
from chalicelib.store.models import EnrolmentModel


def _enrolment(**changes) -> Enrolment:
    base = dict(id="01JBENCH0000000000000000AA", regency="16.03", programme_id="01JPROG", nik="1603015708900001",
                name="Siti Aminah", birth_date="1990-08-17", sex="P", village_code="16.03.01.2011",
                district_code="16.03.01", category="linmas", status="draft", coverage_start="2025-10-01",
                coverage_end="2025-12-31", version=3, created_at="2025-10-01T00:00:00.000Z",
                updated_at="2025-10-02T00:00:00.000Z", created_by="a", updated_by="b")
    return Enrolment(**{**base, **changes})


CASES = [
    _enrolment(),
    _enrolment(phone="+6281234567890", occupation="Kaur Keuangan", kpj_number="25000000001", status="active",
               warnings=["NIK_DATE_MISMATCH", "PHONE_TWO"], documents={"ktp": {"key": "d/1", "size": 10}},
               extra={"luas_kebun": 2.5, "anggota": True, "kelompok": "Tani Maju", "tanggal": "2025-01-02",
                      "jumlah": 7, "daftar": ["a", "b"], "peta": {"x": 1, "y": [True, None]}}),
    _enrolment(deleted=True, rejection_reason="data ganda", version=12),
    _enrolment(erased=True, name="-", nik="ERASED"),
]


@pytest.mark.parametrize("e", CASES)
def test_from_raw_is_from_model(e):
    item = enrolments.to_model(e).serialize()
    assert enrolments.from_raw(item) == enrolments.from_model(EnrolmentModel.from_raw_data(item)) == e


def test_absent_and_null_attributes_read_as_the_model_reads_them():
    item = enrolments.to_model(_enrolment(phone="+6281234567890")).serialize()
    item.pop("deleted", None)
    item["phone"] = {"NULL": True}
    item.pop("version")
    expected = enrolments.from_model(EnrolmentModel.from_raw_data(item))
    assert enrolments.from_raw(item) == expected
    assert expected.phone is None and expected.deleted is False
